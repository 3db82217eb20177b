"""idp: staff roles with a scope (idp_staff_roles), service halls (idp_halls), a
relying party's hall (oauth_clients.hall_code), replacing the JSON list of roles on
the account; and per-day counters of failed logins (idp_daily_counts).

Conversion of the old roles: ``operator`` -> ``platform-admin``, ``auditor`` ->
``auditor``; ``clerk`` had no hall, so a clerk becomes a ``clerk`` of the hall
``unassigned`` (created here only when there is one, named so that an operator sees it
and moves them: ``onegate staff grant/revoke``). The downgrade maps back the same way.

Revision ID: idp_0007
Revises: idp_0006
"""

import json

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime, utcnow

revision = "idp_0007"
down_revision = "idp_0006"
branch_labels = None
depends_on = None

TO_NEW = {"operator": ("platform-admin", ""), "auditor": ("auditor", ""),
          "clerk": ("clerk", "unassigned")}
TO_OLD = {"platform-admin": "operator", "auditor": "auditor", "clerk": "clerk"}
MIGRATED_BY = "migration:idp_0007"


def upgrade() -> None:
    halls = op.create_table(
        "idp_halls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idp_halls")),
        sa.UniqueConstraint("code", name=op.f("uq_idp_halls_code")),
    )
    roles = op.create_table(
        "idp_staff_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("granted_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["idp_accounts.id"], ondelete="CASCADE",
                                name=op.f("fk_idp_staff_roles_account_id_idp_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idp_staff_roles")),
        sa.UniqueConstraint("account_id", "role", "scope", name="uq_idp_staff_roles_grant"),
    )
    op.create_index(op.f("ix_idp_staff_roles_account_id"), "idp_staff_roles",
                    ["account_id"])
    op.create_table(
        "idp_daily_counts",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "name", name=op.f("pk_idp_daily_counts")),
    )
    with op.batch_alter_table("oauth_clients") as batch:
        batch.add_column(sa.Column("hall_code", sa.String(32), nullable=True))
        batch.create_index(batch.f("ix_oauth_clients_hall_code"), ["hall_code"])
    _convert_up(halls, roles)
    with op.batch_alter_table("idp_accounts") as batch:
        batch.drop_column("roles")


def _old_roles(value) -> list[str]:
    if isinstance(value, str):  # SQLite hands JSON back as text through a plain select
        value = json.loads(value or "[]")
    return list(value or [])


def _convert_up(halls, roles) -> None:
    bind, now = op.get_bind(), utcnow()
    rows = bind.execute(sa.text("SELECT id, roles FROM idp_accounts WHERE kind = 'staff'"))
    grants = [{"account_id": account_id, "role": TO_NEW[old][0], "scope": TO_NEW[old][1],
               "granted_by": MIGRATED_BY, "granted_at": now}
              for account_id, value in rows for old in sorted(set(_old_roles(value)))
              if old in TO_NEW]
    if any(g["scope"] == "unassigned" for g in grants):
        op.bulk_insert(halls, [{"code": "unassigned", "name": "未分配大厅 (clerks before 0.3)",
                                "region": "", "level": "province", "disabled": False,
                                "created_at": now}])
    if grants:
        op.bulk_insert(roles, grants)


def downgrade() -> None:
    with op.batch_alter_table("idp_accounts") as batch:
        batch.add_column(sa.Column("roles", sa.JSON(), nullable=False,
                                   server_default="[]"))
    _convert_down()
    with op.batch_alter_table("idp_accounts") as batch:
        batch.alter_column("roles", server_default=None)
    with op.batch_alter_table("oauth_clients") as batch:
        batch.drop_index(batch.f("ix_oauth_clients_hall_code"))
        batch.drop_column("hall_code")
    op.drop_table("idp_daily_counts")
    op.drop_index(op.f("ix_idp_staff_roles_account_id"), table_name="idp_staff_roles")
    op.drop_table("idp_staff_roles")
    op.drop_table("idp_halls")


def _convert_down() -> None:
    bind = op.get_bind()
    found: dict[int, set[str]] = {}
    for account_id, role in bind.execute(sa.text("SELECT account_id, role FROM idp_staff_roles")):
        if role in TO_OLD:
            found.setdefault(account_id, set()).add(TO_OLD[role])
    accounts = sa.table("idp_accounts", sa.column("id", sa.Integer),
                        sa.column("roles", sa.JSON))
    for account_id, old in found.items():
        bind.execute(accounts.update().where(accounts.c.id == account_id)
                     .values(roles=sorted(old)))
