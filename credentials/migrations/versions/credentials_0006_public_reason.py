"""credentials: the public reason of a suspension or revocation

A code from ``credentials.public_reasons.CODES`` and an optional short note, shown to
verifiers and the holder; the internal ``state_reason`` stays where it is. Existing
suspended or revoked licences have none.

Revision ID: credentials_0006
Revises: credentials_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "credentials_0006"
down_revision = "credentials_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credential_licences") as batch:
        batch.add_column(sa.Column("public_reason", sa.String(40), nullable=True))
        batch.add_column(sa.Column("public_note", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credential_licences") as batch:
        batch.drop_column("public_note")
        batch.drop_column("public_reason")
