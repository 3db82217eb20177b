"""credentials: the issuer URL the service is served under (one row)

Commands that sign in another process than the server (``onegate licenses import``)
compare their settings with it and refuse a different issuer.

Revision ID: credentials_0003
Revises: credentials_0002
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "credentials_0003"
down_revision = "credentials_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_served_issuer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("recorded_by", sa.String(32), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_credential_served_issuer_one_row"),
        sa.PrimaryKeyConstraint("id", name="pk_credential_served_issuer"),
    )


def downgrade() -> None:
    op.drop_table("credential_served_issuer")
