"""credentials: departments, department clients, licence types, licences, status lists,
QR images, idempotency records

Revision ID: credentials_0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "credentials_0001"
down_revision = None
branch_labels = ("credentials",)
depends_on = None


def upgrade() -> None:
    _catalogue()
    _licences()
    _status_and_images()


def _catalogue() -> None:
    op.create_table(
        "credential_departments",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_credential_departments"),
        sa.UniqueConstraint("uscc", name="uq_credential_departments_uscc"),
    )
    op.create_table(
        "credential_department_clients",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_code"], ["credential_departments.code"],
            name="fk_credential_department_clients_department_code"),
        sa.PrimaryKeyConstraint("client_id", name="pk_credential_department_clients"),
    )
    op.create_index("ix_credential_department_clients_department_code",
                    "credential_department_clients", ["department_code"])
    op.create_table(
        "credential_licence_types",
        sa.Column("code", sa.String(21), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("holder_kind", sa.String(16), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("always_disclosed", sa.JSON(), nullable=False),
        sa.Column("disclosable", sa.JSON(), nullable=False),
        sa.Column("offline_claims", sa.JSON(), nullable=False),
        sa.Column("json_schema", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_credential_licence_types"),
    )


def _licences() -> None:
    op.create_table(
        "credential_licences",
        sa.Column("identifier", sa.String(120), nullable=False),
        sa.Column("type_code", sa.String(21), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("serial", sa.String(16), nullable=False),
        sa.Column("version", sa.String(3), nullable=False),
        sa.Column("holder_code_type", sa.String(3), nullable=False),
        sa.Column("holder_number", sa.String(18), nullable=False),
        sa.Column("holder_name", sa.String(200), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("valid_from", UtcDateTime(), nullable=False),
        sa.Column("valid_until", UtcDateTime(), nullable=False),
        sa.Column("issued_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("state_reason", sa.String(500), nullable=True),
        sa.Column("state_changed_at", UtcDateTime(), nullable=True),
        sa.Column("status_list_id", sa.String(32), nullable=False),
        sa.Column("status_idx", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("sd_jwt", sa.Text(), nullable=False),
        sa.Column("offline_qr", sa.Text(), nullable=False),
        sa.Column("reference_hash", sa.String(64), nullable=False),
        sa.Column("previous_identifier", sa.String(120), nullable=True),
        sa.Column("superseded_by", sa.String(120), nullable=True),
        sa.CheckConstraint("state IN ('valid', 'suspended', 'revoked')",
                           name="ck_credential_licences_state"),
        sa.PrimaryKeyConstraint("identifier", name="pk_credential_licences"),
        sa.UniqueConstraint("status_list_id", "status_idx",
                            name="uq_credential_licences_status"),
    )
    op.create_index("ix_credential_licences_type_code", "credential_licences", ["type_code"])
    op.create_index("ix_credential_licences_department_code", "credential_licences",
                    ["department_code"])
    op.create_index("ix_credential_licences_holder", "credential_licences",
                    ["holder_code_type", "holder_number"])
    op.create_index("ix_credential_licences_list_state", "credential_licences",
                    ["status_list_id", "state"])
    op.create_table(
        "credential_idempotency",
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("identifier", sa.String(120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_credential_idempotency"),
    )


def _status_and_images() -> None:
    op.create_table(
        "credential_status_lists",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_credential_status_lists"),
    )
    op.create_index("ix_credential_status_lists_department_code", "credential_status_lists",
                    ["department_code"])
    op.create_table(
        "credential_qr_images",
        sa.Column("identifier", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("svg", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("identifier", "kind", name="pk_credential_qr_images"),
    )


def downgrade() -> None:
    for table in ("credential_qr_images", "credential_status_lists", "credential_idempotency",
                  "credential_licences", "credential_licence_types",
                  "credential_department_clients", "credential_departments"):
        op.drop_table(table)
