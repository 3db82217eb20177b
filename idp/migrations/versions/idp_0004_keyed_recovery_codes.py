"""Recovery codes become keyed hashes (HMAC under a KEK-derived key).

Version 0.1 stored each 50-bit code as a plain SHA-256, which a copy of the database
lets anyone search exhaustively. They cannot be re-hashed without the codes, so they
are deleted: people keep their authenticator and make new codes on their account page
(the page shows 0 left). TOTP seeds and client secrets move to KEK-derived keys
lazily, at their next use, and need nothing here.

Revision ID: idp_0004
Revises: idp_0003
"""

from alembic import op

revision = "idp_0004"
down_revision = "idp_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM idp_recovery_codes")


def downgrade() -> None:
    op.execute("DELETE FROM idp_recovery_codes")
