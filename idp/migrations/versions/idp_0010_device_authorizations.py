"""idp: device authorization requests (RFC 8628) for terminals and the login page.

Revision ID: idp_0010
Revises: idp_0007
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "idp_0010"
down_revision = "idp_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oauth_device_authorizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_code_hash", sa.String(64), nullable=False),
        sa.Column("user_code_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("acr_required", sa.String(20), nullable=True),
        sa.Column("fresh_login", sa.Boolean(), nullable=False),
        sa.Column("requester_address", sa.String(64), nullable=True),
        sa.Column("requester_agent", sa.String(200), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("last_polled_at", UtcDateTime(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("sub", sa.String(64), nullable=True),
        sa.Column("sid", sa.String(128), nullable=True),
        sa.Column("authenticated_at", UtcDateTime(), nullable=True),
        sa.Column("acr", sa.String(20), nullable=True),
        sa.Column("amr", sa.JSON(), nullable=True),
        sa.Column("issued_at", UtcDateTime(), nullable=True),
        sa.Column("access_jti", sa.String(64), nullable=True),
        sa.Column("family_id", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oauth_device_authorizations"),
        sa.UniqueConstraint("device_code_hash",
                            name="uq_oauth_device_authorizations_device_code_hash"),
    )
    op.create_index("ix_oauth_device_authorizations_user_code_hash",
                    "oauth_device_authorizations", ["user_code_hash"])
    op.create_index("ix_oauth_device_authorizations_client_id",
                    "oauth_device_authorizations", ["client_id"])
    op.create_index("ix_oauth_device_authorizations_expires_at",
                    "oauth_device_authorizations", ["expires_at"])


def downgrade() -> None:
    op.drop_table("oauth_device_authorizations")
