"""idp: one-time account reset codes (counter and self-service), and what the
sessions list shows a clerk: the device and when the session was last used.

Revision ID: idp_0008
Revises: idp_0009
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "idp_0008"
down_revision = "idp_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idp_reset_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("resets_password", sa.Boolean(), nullable=False),
        sa.Column("resets_totp", sa.Boolean(), nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("voided_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("channel IN ('counter', 'sms', 'email')",
                           name=op.f("ck_idp_reset_codes_channel")),
        sa.ForeignKeyConstraint(["account_id"], ["idp_accounts.id"], ondelete="CASCADE",
                                name=op.f("fk_idp_reset_codes_account_id_idp_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idp_reset_codes")),
    )
    op.create_index("ix_idp_reset_codes_account_id_code_hash", "idp_reset_codes",
                    ["account_id", "code_hash"])
    op.create_index(op.f("ix_idp_reset_codes_expires_at"), "idp_reset_codes", ["expires_at"])
    with op.batch_alter_table("idp_sso_sessions") as batch:
        batch.add_column(sa.Column("device", sa.String(200), nullable=True))
        batch.add_column(sa.Column("last_seen_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idp_sso_sessions") as batch:
        batch.drop_column("last_seen_at")
        batch.drop_column("device")
    op.drop_index(op.f("ix_idp_reset_codes_expires_at"), table_name="idp_reset_codes")
    op.drop_index("ix_idp_reset_codes_account_id_code_hash", table_name="idp_reset_codes")
    op.drop_table("idp_reset_codes")
