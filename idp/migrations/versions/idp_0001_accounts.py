"""idp: accounts, authorisations, recovery codes, SSO sessions, login throttle.

Revision ID: idp_0001
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "idp_0001"
down_revision = None
branch_labels = ("idp",)
depends_on = None


def upgrade() -> None:
    _accounts()
    _authorisations()
    _recovery_codes()
    _sso_sessions()
    _login_throttle()


def _accounts() -> None:
    op.create_table(
        "idp_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(22), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("phone_verified", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=True),
        sa.Column("uscc", sa.String(18), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("locked_reason", sa.String(200), nullable=True),
        sa.Column("totp_secret", sa.String(200), nullable=True),
        sa.Column("totp_pending_secret", sa.String(200), nullable=True),
        sa.Column("totp_enabled_at", UtcDateTime(), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('person', 'enterprise', 'staff')",
                           name=op.f("ck_idp_accounts_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idp_accounts")),
        sa.UniqueConstraint("sub", name=op.f("uq_idp_accounts_sub")),
        sa.UniqueConstraint("username", name=op.f("uq_idp_accounts_username")),
        sa.UniqueConstraint("phone", name=op.f("uq_idp_accounts_phone")),
        sa.UniqueConstraint("id_number", name=op.f("uq_idp_accounts_id_number")),
        sa.UniqueConstraint("uscc", name=op.f("uq_idp_accounts_uscc")),
    )


def _authorisations() -> None:
    op.create_table(
        "idp_authorisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_account_id", sa.Integer(), nullable=False),
        sa.Column("person_account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_account_id"], ["idp_accounts.id"], ondelete="CASCADE",
            name=op.f("fk_idp_authorisations_enterprise_account_id_idp_accounts")),
        sa.ForeignKeyConstraint(
            ["person_account_id"], ["idp_accounts.id"], ondelete="CASCADE",
            name=op.f("fk_idp_authorisations_person_account_id_idp_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idp_authorisations")),
        sa.UniqueConstraint("enterprise_account_id", "person_account_id",
                            name=op.f("uq_idp_authorisations_enterprise_account_id")),
    )
    op.create_index(op.f("ix_idp_authorisations_person_account_id"), "idp_authorisations",
                    ["person_account_id"])


def _recovery_codes() -> None:
    op.create_table(
        "idp_recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["idp_accounts.id"], ondelete="CASCADE",
                                name=op.f("fk_idp_recovery_codes_account_id_idp_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idp_recovery_codes")),
    )
    op.create_index(op.f("ix_idp_recovery_codes_account_id"), "idp_recovery_codes",
                    ["account_id"])


def _sso_sessions() -> None:
    op.create_table(
        "idp_sso_sessions",
        sa.Column("sid", sa.String(32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("auth_time", UtcDateTime(), nullable=False),
        sa.Column("acr", sa.String(16), nullable=False),
        sa.Column("amr", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["idp_accounts.id"], ondelete="CASCADE",
                                name=op.f("fk_idp_sso_sessions_account_id_idp_accounts")),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_idp_sso_sessions")),
    )
    op.create_index(op.f("ix_idp_sso_sessions_account_id"), "idp_sso_sessions", ["account_id"])
    op.create_table(
        "idp_sso_participants",
        sa.Column("sid", sa.String(32), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("first_seen", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sid"], ["idp_sso_sessions.sid"], ondelete="CASCADE",
                                name=op.f("fk_idp_sso_participants_sid_idp_sso_sessions")),
        sa.PrimaryKeyConstraint("sid", "client_id", name=op.f("pk_idp_sso_participants")),
    )


def _login_throttle() -> None:
    op.create_table(
        "idp_login_throttle",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idp_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("idp_login_throttle")
    op.drop_table("idp_sso_participants")
    op.drop_index(op.f("ix_idp_sso_sessions_account_id"), table_name="idp_sso_sessions")
    op.drop_table("idp_sso_sessions")
    op.drop_index(op.f("ix_idp_recovery_codes_account_id"), table_name="idp_recovery_codes")
    op.drop_table("idp_recovery_codes")
    op.drop_index(op.f("ix_idp_authorisations_person_account_id"),
                  table_name="idp_authorisations")
    op.drop_table("idp_authorisations")
    op.drop_table("idp_accounts")
