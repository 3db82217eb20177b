"""credentials: drop stored reference QR images (they carry the secret reference token)

From now on the reference form is rendered on demand and never stored; only the
offline form (public data) stays in ``credential_qr_images``.

Revision ID: credentials_0004
Revises: credentials_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "credentials_0004"
down_revision = "credentials_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM credential_qr_images WHERE kind = 'reference'"))


def downgrade() -> None:
    pass  # the deleted images held a secret; older code re-renders them on demand
