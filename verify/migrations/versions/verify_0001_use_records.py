"""verify_use_records: every department use of a licence

Revision ID: verify_0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "verify_0001"
down_revision = None
branch_labels = ("verify",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verify_use_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("staff", sa.String(length=100), nullable=True),
        sa.Column("licence_identifier", sa.String(length=120), nullable=False),
        sa.Column("holder_code", sa.String(length=18), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_verify_use_records"),
    )
    op.create_index("ix_verify_use_records_holder", "verify_use_records", ["holder_code", "at"])
    op.create_index("ix_verify_use_records_licence_identifier", "verify_use_records",
                    ["licence_identifier"])


def downgrade() -> None:
    op.drop_index("ix_verify_use_records_licence_identifier", table_name="verify_use_records")
    op.drop_index("ix_verify_use_records_holder", table_name="verify_use_records")
    op.drop_table("verify_use_records")
