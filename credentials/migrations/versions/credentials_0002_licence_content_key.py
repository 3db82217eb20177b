"""credentials: a licence's content key (department, serial, version) is unique

Import idempotency and concurrent imports rest on it: two runs that race to store
the same licence cannot both succeed.

Revision ID: credentials_0002
Revises: credentials_0001
"""

from alembic import op

revision = "credentials_0002"
down_revision = "credentials_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("uq_credential_licences_content", "credential_licences",
                    ["department_code", "serial", "version"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_credential_licences_content", table_name="credential_licences")
