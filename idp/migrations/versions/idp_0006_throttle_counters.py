"""idp: login throttle counters as epoch seconds with an atomic-upsert verdict.

The old rows (failures and datetimes) are short-lived counters: dropping them
forgets at most fifteen minutes of failed logins.

Revision ID: idp_0006
Revises: idp_0005
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "idp_0006"
down_revision = "idp_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("idp_login_throttle")
    op.create_table(
        "idp_login_throttle",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.Column("locked_until", sa.Double(), nullable=False),
        sa.Column("admitted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idp_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("idp_login_throttle")
    op.create_table(
        "idp_login_throttle",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idp_login_throttle")),
    )
