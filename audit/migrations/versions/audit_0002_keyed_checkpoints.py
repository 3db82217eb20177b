"""audit: keyed entries (hash_alg) and signed checkpoints

Existing rows keep their bare SHA-256 links and are marked ``sha256``: re-keying them
would launder any tampering done before the upgrade. The first keyed entry appended
afterwards (``audit.chain.keyed``, written by ``onegate db upgrade``/``init`` or by the
next append) seals them by recording the last legacy entry's seq and hash.

Revision ID: audit_0002
Revises: audit_0001
Create Date: 2026-11-29 00:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "audit_0002"
down_revision = "audit_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.add_column(sa.Column("hash_alg", sa.String(length=16), nullable=False,
                                   server_default="sha256"))
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(length=100), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
    )
    op.create_index("ix_audit_checkpoints_seq", "audit_checkpoints", ["seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_checkpoints_seq", table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("hash_alg")
