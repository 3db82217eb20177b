"""credentials: licence type versions, retirement, former issuers; licences' type version

Every existing type becomes version 1 of itself (its definition copied into
``credential_licence_type_versions``), active, with no former departments; every
existing licence was issued under version 1.

Revision ID: credentials_0005
Revises: credentials_0004
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "credentials_0005"
down_revision = "credentials_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credential_licence_types") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("status", sa.String(10), nullable=False,
                                   server_default="active"))
        batch.add_column(sa.Column("retired_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("retired_reason", sa.String(500), nullable=True))
        batch.add_column(sa.Column("former_departments", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("updated_at", UtcDateTime(), nullable=True))
        batch.create_check_constraint("ck_credential_licence_types_status", "status IN ('active', 'retired')")
    op.execute(sa.text("UPDATE credential_licence_types SET former_departments = '[]', "
                       "updated_at = created_at"))
    with op.batch_alter_table("credential_licence_types") as batch:
        batch.alter_column("former_departments", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("updated_at", existing_type=UtcDateTime(), nullable=False)
    op.create_table(
        "credential_licence_type_versions",
        sa.Column("type_code", sa.String(21), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("always_disclosed", sa.JSON(), nullable=False),
        sa.Column("disclosable", sa.JSON(), nullable=False),
        sa.Column("offline_claims", sa.JSON(), nullable=False),
        sa.Column("json_schema", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["type_code"], ["credential_licence_types.code"],
                                name="fk_credential_licence_type_versions_type_code"),
        sa.PrimaryKeyConstraint("type_code", "version",
                                name="pk_credential_licence_type_versions"),
    )
    op.execute(sa.text(
        "INSERT INTO credential_licence_type_versions (type_code, version, name_zh, name_en, "
        "validity_days, always_disclosed, disclosable, offline_claims, json_schema, created_at, "
        "created_by) SELECT code, 1, name_zh, name_en, validity_days, always_disclosed, "
        "disclosable, offline_claims, json_schema, created_at, 'migration' "
        "FROM credential_licence_types"))
    with op.batch_alter_table("credential_licences") as batch:
        batch.add_column(sa.Column("type_version", sa.Integer(), nullable=False,
                                   server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("credential_licences") as batch:
        batch.drop_column("type_version")
    op.drop_table("credential_licence_type_versions")
    with op.batch_alter_table("credential_licence_types") as batch:
        batch.drop_constraint("ck_credential_licence_types_status", type_="check")
        batch.drop_column("updated_at")
        batch.drop_column("former_departments")
        batch.drop_column("retired_reason")
        batch.drop_column("retired_at")
        batch.drop_column("status")
        batch.drop_column("version")
