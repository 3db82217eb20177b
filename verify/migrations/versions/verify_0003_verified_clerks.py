"""verify: uses by a clerk acting under the holder's mandate (代办): the clerk's staff
account and station, from the provider's signed token

Revision ID: verify_0003
Revises: verify_0002
Create Date: 2026-11-29 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "verify_0003"
down_revision = "verify_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("verify_use_records") as batch:
        batch.add_column(sa.Column("actor_sub", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("station", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("verify_use_records") as batch:
        batch.drop_column("station")
        batch.drop_column("actor_sub")
