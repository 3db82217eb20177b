"""idp protocol tables: clients, codes, refresh-token families, denylist, consents,
back-channel outbox.

Revision ID: idp_0002
Revises: idp_0001
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "idp_0002"
down_revision = "idp_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(128)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("post_logout_redirect_uris", sa.JSON(), nullable=False),
        sa.Column("backchannel_logout_uri", sa.String(2000)),
        sa.Column("grant_types", sa.JSON(), nullable=False),
        sa.Column("response_types", sa.JSON(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("token_endpoint_auth_method", sa.String(40), nullable=False),
        sa.Column("jwks", sa.JSON()),
        sa.Column("jwks_uri", sa.String(2000)),
        sa.Column("id_token_signed_response_alg", sa.String(10), nullable=False),
        sa.Column("trusted", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_clients"),
    )
    op.create_index("ix_oauth_clients_client_id", "oauth_clients", ["client_id"], unique=True)
    op.create_table(
        "oauth_assertion_jtis",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_oauth_assertion_jtis"),
    )
    op.create_index("ix_oauth_assertion_jtis_expires_at", "oauth_assertion_jtis", ["expires_at"])
    op.create_table(
        "oauth_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("redirect_uri", sa.String(2000), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("sub", sa.String(64), nullable=False),
        sa.Column("sid", sa.String(128)),
        sa.Column("nonce", sa.String(255)),
        sa.Column("code_challenge", sa.String(128)),
        sa.Column("code_challenge_method", sa.String(10)),
        sa.Column("auth_time", sa.Integer(), nullable=False),
        sa.Column("acr", sa.String(20)),
        sa.Column("amr", sa.JSON()),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime()),
        sa.Column("access_jti", sa.String(64)),
        sa.Column("family_id", sa.String(64)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_codes"),
        sa.UniqueConstraint("code_hash", name="uq_oauth_codes_code_hash"),
    )
    op.create_index("ix_oauth_codes_expires_at", "oauth_codes", ["expires_at"])
    op.create_index("ix_oauth_codes_client_id_nonce", "oauth_codes", ["client_id", "nonce"])
    op.create_index("ix_oauth_codes_sid", "oauth_codes", ["sid"])
    op.create_table(
        "oauth_token_families",
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("sub", sa.String(64), nullable=False),
        sa.Column("sid", sa.String(128)),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("auth_time", sa.Integer(), nullable=False),
        sa.Column("acr", sa.String(20)),
        sa.Column("amr", sa.JSON()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime()),
        sa.Column("revoked_reason", sa.String(40)),
        sa.PrimaryKeyConstraint("family_id", name="pk_oauth_token_families"),
    )
    op.create_index("ix_oauth_token_families_client_id", "oauth_token_families", ["client_id"])
    op.create_index("ix_oauth_token_families_sub", "oauth_token_families", ["sub"])
    op.create_index("ix_oauth_token_families_sid", "oauth_token_families", ["sid"])
    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("family_id", sa.String(64), nullable=False),
        sa.Column("access_jti", sa.String(64)),
        sa.Column("access_expires_at", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("rotated_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_refresh_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_oauth_refresh_tokens_token_hash"),
    )
    op.create_index("ix_oauth_refresh_tokens_family_id", "oauth_refresh_tokens", ["family_id"])
    op.create_table(
        "oauth_revoked_jtis",
        sa.Column("jti", sa.String(64), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("jti", name="pk_oauth_revoked_jtis"),
    )
    op.create_index("ix_oauth_revoked_jtis_expires_at", "oauth_revoked_jtis", ["expires_at"])
    op.create_table(
        "oauth_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_consents"),
        sa.UniqueConstraint("sub", "client_id", "scope", name="uq_oauth_consents_sub_client_scope"),
    )
    op.create_index("ix_oauth_consents_sub", "oauth_consents", ["sub"])
    op.create_table(
        "oauth_backchannel_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("uri", sa.String(2000), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime()),
        sa.Column("failed_at", UtcDateTime()),
        sa.Column("last_error", sa.String(500)),
        sa.Column("claimed_by", sa.String(80)),
        sa.Column("claimed_until", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_backchannel_outbox"),
    )
    op.create_index("ix_oauth_backchannel_outbox_next_attempt_at", "oauth_backchannel_outbox",
                    ["next_attempt_at"])


def downgrade() -> None:
    for table in ("oauth_backchannel_outbox", "oauth_consents", "oauth_revoked_jtis",
                  "oauth_refresh_tokens", "oauth_token_families", "oauth_codes",
                  "oauth_assertion_jtis", "oauth_clients"):
        op.drop_table(table)
