"""idp: enterprises act through named representatives; shared enterprise passwords retired.

Existing links (made by ``onegate users add --authorise-for``) become AGENT rows for
every matter, without end, granted by "migration:idp_0011". Why agent and not legal
representative: the old link only said "may act for"; who is the 法定代表人 is a
registered fact an operator must confirm (``onegate enterprises represent USCC
--person ... --role legal``), and a legal representative may end others'
authorisations, a power no one verified for these rows. ``onegate enterprises list``
shows the enterprises still without a legal representative.

Every enterprise account's password hash is replaced by a marker no password matches
(argon2 cannot parse it): the enterprise stays a party, reachable only through a
named representative.

Revision ID: idp_0011
Revises: idp_0010
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "idp_0011"
down_revision = "idp_0010"
branch_labels = None
depends_on = None

RETIRED = "!retired:idp_0011"


def upgrade() -> None:
    with op.batch_alter_table("idp_authorisations") as batch:
        batch.add_column(sa.Column("role", sa.String(8), nullable=False,
                                   server_default="agent"))
        batch.add_column(sa.Column("matters", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("valid_from", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("valid_until", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("granted_by", sa.String(80), nullable=False,
                                   server_default="migration:idp_0011"))
        batch.add_column(sa.Column("withdrawn_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sa.String(80), nullable=True))
    op.execute("UPDATE idp_authorisations SET valid_from = created_at")
    with op.batch_alter_table("idp_authorisations") as batch:
        batch.alter_column("valid_from", existing_type=UtcDateTime(), nullable=False)
        batch.alter_column("role", existing_type=sa.String(8), server_default=None)
        batch.alter_column("granted_by", existing_type=sa.String(80), server_default=None)
        batch.create_check_constraint(op.f("ck_idp_authorisations_role"), "role IN ('legal', 'agent')")
    for table in ("oauth_codes", "oauth_token_families"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("party_sub", sa.String(64), nullable=True))
            batch.add_column(sa.Column("authorisation_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_oauth_token_families_authorisation_id"), "oauth_token_families",
                    ["authorisation_id"])
    op.execute(sa.text("UPDATE idp_accounts SET password_hash = :retired "
                       "WHERE kind = 'enterprise'").bindparams(retired=RETIRED))


def downgrade() -> None:
    """Drops the terms; retired passwords stay retired (no hash to restore)."""
    op.drop_index(op.f("ix_oauth_token_families_authorisation_id"),
                  table_name="oauth_token_families")
    for table in ("oauth_codes", "oauth_token_families"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("authorisation_id")
            batch.drop_column("party_sub")
    with op.batch_alter_table("idp_authorisations") as batch:
        batch.drop_constraint(op.f("ck_idp_authorisations_role"), type_="check")
        for column in ("withdrawn_by", "withdrawn_at", "granted_by", "valid_until",
                       "valid_from", "matters", "role"):
            batch.drop_column(column)
