"""key_rotation_schedules: one rotation period per key owner

Revision ID: keys_0003
Revises: keys_0002
Create Date: 2026-11-29 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "keys_0003"
down_revision = "keys_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_rotation_schedules",
        sa.Column("owner", sa.String(length=128), primary_key=True),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("prepublish_seconds", sa.Integer(), nullable=False),
        sa.Column("next_rotation_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_rotated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_key_rotation_schedules_next_rotation_at", "key_rotation_schedules",
                    ["next_rotation_at"])


def downgrade() -> None:
    op.drop_index("ix_key_rotation_schedules_next_rotation_at", "key_rotation_schedules")
    op.drop_table("key_rotation_schedules")
