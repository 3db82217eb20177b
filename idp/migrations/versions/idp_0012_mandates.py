"""idp: 代办 mandates (a citizen authorises a clerk at a station) and their tokens.

Revision ID: idp_0012
Revises: idp_0008
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "idp_0012"
down_revision = "idp_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idp_mandates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(32), nullable=False),
        sa.Column("reference_hash", sa.String(64), nullable=False),
        sa.Column("user_code_hash", sa.String(64), nullable=True),
        sa.Column("one_time_code_hash", sa.String(64), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("clerk_sub", sa.String(64), nullable=False),
        sa.Column("clerk_name", sa.String(200), nullable=False),
        sa.Column("hall_code", sa.String(32), nullable=False),
        sa.Column("hall_name", sa.String(200), nullable=False),
        sa.Column("citizen_sub", sa.String(64), nullable=True),
        sa.Column("matter", sa.String(200), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("request_expires_at", UtcDateTime(), nullable=False),
        sa.Column("approved_at", UtcDateTime(), nullable=True),
        sa.Column("acr", sa.String(20), nullable=True),
        sa.Column("amr", sa.JSON(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(80), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idp_mandates")),
        sa.UniqueConstraint("public_id", name=op.f("uq_idp_mandates_public_id")),
        sa.UniqueConstraint("reference_hash", name=op.f("uq_idp_mandates_reference_hash")),
    )
    op.create_index("ix_idp_mandates_citizen_sub", "idp_mandates", ["citizen_sub", "status"])
    op.create_index("ix_idp_mandates_user_code_hash", "idp_mandates", ["user_code_hash"])
    op.create_index(op.f("ix_idp_mandates_client_id"), "idp_mandates", ["client_id"])
    op.create_table(
        "idp_mandate_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=False),
        sa.Column("jti", sa.String(64), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mandate_id"], ["idp_mandates.id"], ondelete="CASCADE",
                                name=op.f("fk_idp_mandate_tokens_mandate_id_idp_mandates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idp_mandate_tokens")),
        sa.UniqueConstraint("jti", name=op.f("uq_idp_mandate_tokens_jti")),
    )
    op.create_index(op.f("ix_idp_mandate_tokens_mandate_id"), "idp_mandate_tokens",
                    ["mandate_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_idp_mandate_tokens_mandate_id"), table_name="idp_mandate_tokens")
    op.drop_table("idp_mandate_tokens")
    op.drop_index(op.f("ix_idp_mandates_client_id"), table_name="idp_mandates")
    op.drop_index("ix_idp_mandates_user_code_hash", table_name="idp_mandates")
    op.drop_index("ix_idp_mandates_citizen_sub", table_name="idp_mandates")
    op.drop_table("idp_mandates")
