"""idp re-authentication demands (prompt=login, max_age, id_token_hint).

Revision ID: idp_0003
Revises: idp_0002
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "idp_0003"
down_revision = "idp_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idp_reauth_demands",
        sa.Column("request_key", sa.String(64), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("request_key", name="pk_idp_reauth_demands"),
    )
    op.create_index("ix_idp_reauth_demands_expires_at", "idp_reauth_demands", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_idp_reauth_demands_expires_at", table_name="idp_reauth_demands")
    op.drop_table("idp_reauth_demands")
