"""signing_keys.row_mac: a KEK-keyed MAC over each row's usage columns

Rows that exist get their MAC here, once, and only if their sealed private key opens
under the KEK (keys.provenance): the migration needs the KEK, which admin.db hands it
(``alembic_config(engine, kek=...)``; ``onegate db upgrade`` and ``onegate init`` do).
Rows that fail are left without a MAC, so the ring never trusts them; revoked rows
have their sealed key destroyed, as revoking does from now on.

Revision ID: keys_0002
Revises: keys_0001
Create Date: 2026-11-29 06:30:00
"""

import logging
from datetime import UTC

import sqlalchemy as sa
from alembic import context, op

revision = "keys_0002"
down_revision = "keys_0001"
branch_labels = None
depends_on = None

log = logging.getLogger("keys.migrations")

_TIME = sa.DateTime(timezone=True)
_rows = sa.table(
    "signing_keys",
    *(sa.column(name, sa.String()) for name in ("kid", "owner", "alg", "state", "row_mac")),
    *(sa.column(name, _TIME) for name in ("created_at", "activates_at", "retired_at",
                                          "revoked_at")),
    sa.column("published", sa.Boolean()), sa.column("public_jwk", sa.JSON()),
    sa.column("encrypted_private", sa.LargeBinary()),
)


def upgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch:
        batch.add_column(sa.Column("row_mac", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_rows)).mappings().all()
    if not rows:
        return
    kek = context.config.attributes.get("kek")
    if kek is None:
        raise RuntimeError("keys_0002 MACs the existing signing keys and needs the KEK: "
                           "run `onegate db upgrade` (it passes ONEGATE_KEK)")
    for row in rows:
        _seal_row(connection, row, kek)


def _seal_row(connection, row, kek: bytes) -> None:
    from keys import row_mac
    from keys.errors import KeyDecryptionError
    from keys.provenance import prove_origin
    from keys.record import KeyRecord, KeyState

    record = KeyRecord(
        kid=row["kid"], owner=row["owner"], alg=row["alg"], state=KeyState(row["state"]),
        public_jwk=dict(row["public_jwk"]), encrypted_private=bytes(row["encrypted_private"]),
        created_at=_aware(row["created_at"]), activates_at=_aware(row["activates_at"]),
        retired_at=_aware(row["retired_at"]), revoked_at=_aware(row["revoked_at"]),
        published=bool(row["published"]))
    try:
        prove_origin(record, kek)
    except KeyDecryptionError as exc:
        log.warning("signing key %s of %s left untrusted: %s", record.kid, record.owner, exc)
        return
    if record.state == KeyState.REVOKED:
        record.encrypted_private, record.published = b"", False
    connection.execute(sa.update(_rows).where(_rows.c.kid == record.kid).values(
        row_mac=row_mac.compute(record, row_mac.mac_key(kek)),
        encrypted_private=record.encrypted_private, published=record.published))


def _aware(value):
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def downgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_column("row_mac")
