"""verify: who stated the staff name of a use; shared rate-limit counters

Revision ID: verify_0002
Revises: verify_0001
Create Date: 2026-11-29 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "verify_0002"
down_revision = "verify_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("verify_use_records") as batch:
        batch.add_column(sa.Column("staff_source", sa.String(length=32), nullable=True))
    # Every staff name recorded so far came from the X-Onegate-Staff header.
    op.execute("UPDATE verify_use_records SET staff_source = 'stated_by_department' "
               "WHERE staff IS NOT NULL")
    op.create_table(
        "verify_rate_counters",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_verify_rate_counters"),
    )
    op.create_index("ix_verify_rate_counters_window_start", "verify_rate_counters",
                    ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_verify_rate_counters_window_start", table_name="verify_rate_counters")
    op.drop_table("verify_rate_counters")
    with op.batch_alter_table("verify_use_records") as batch:
        batch.drop_column("staff_source")
