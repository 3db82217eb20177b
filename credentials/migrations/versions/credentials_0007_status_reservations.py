"""credentials: status slots reserved ahead by worker processes

``credential_status_reservations`` records the random slots a worker process holds
in memory for its next single issues (credentials.slot_reserve), so that no other
process, and no in-transaction allocation, hands them out. Empty at the start.

Revision ID: credentials_0007
Revises: credentials_0006
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "credentials_0007"
down_revision = "credentials_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_status_reservations",
        sa.Column("status_list_id", sa.String(32), nullable=False),
        sa.Column("status_idx", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reserved_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("status_list_id", "status_idx",
                                name="pk_credential_status_reservations"),
    )


def downgrade() -> None:
    op.drop_table("credential_status_reservations")
