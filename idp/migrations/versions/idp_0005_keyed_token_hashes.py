"""Refresh tokens and authorization codes stored as keyed hashes.

Until now both were stored as their plain SHA-256. From this revision they are
HMAC-SHA256 under a key derived from the key-encryption key
(idp.grants.families.token_hash). A stored SHA-256 cannot be rehashed without
the token itself, so the old values are replaced by an unmatchable marker:
every refresh token and every unredeemed code issued before the upgrade stops
working (halls' users sign in again). The rows stay, so a later family
revocation (logout, consent withdrawal) still denies the access tokens they
record, and a replayed old code simply fails.

Revision ID: idp_0005
Revises: idp_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "idp_0005"
down_revision = "idp_0004"
branch_labels = None
depends_on = None

RETIRED = "retired:"

_tables = {
    "oauth_refresh_tokens": "token_hash",
    "oauth_codes": "code_hash",
}


def upgrade() -> None:
    for name, column in _tables.items():
        table = sa.table(name, sa.column("id", sa.Integer), sa.column(column, sa.String))
        op.execute(table.update()
                   .where(table.c[column].not_like(RETIRED + "%"))
                   .values({column: sa.literal(RETIRED) + sa.cast(table.c.id, sa.String)}))


def downgrade() -> None:
    """Nothing to restore: the plain hashes are gone, and the markers match nothing."""
