"""Operators' work on signing keys, shared by the CLI and the console: listing keys
with their states and next scheduled rotation, rotation schedules, and revoking a
compromised key after reading its impact (credentials.key_compromise).

Each function takes the app's typed services; the key ring and the schedule store
commit on their own sessions (keys.sql_store), the impact is read in a short unit of
work. None of them audits: the caller records the operator action with the
operator's identity (CLI ``--operator``, the console's signed-in staff member).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from credentials import catalogue, key_compromise
from keys import KeyRecord, UnknownKey
from keys.owners import check_owner
from keys.ring import utc_now
from keys.schedule import RotationSchedule, active_since, new_schedule, run_due, signing_algs
from keys.sql_schedules import SqlScheduleStore


class KeyAdminError(ValueError):
    """An operator's request that cannot be done; ``str()`` is one readable line."""


@dataclass(frozen=True)
class Revocation:
    """A key about to be, or just, revoked, and the licences it leaves without a
    valid signature."""

    record: KeyRecord
    impact: key_compromise.Impact

    def to_json(self) -> dict:
        return {"kid": self.record.kid, "owner": self.record.owner, "alg": self.record.alg,
                "state": str(self.record.state), **self.impact.to_json()}


def schedules(services) -> SqlScheduleStore:
    """The rotation schedules' store over the app's sessions."""
    return SqlScheduleStore(services.sessions)


def key_rows(services, owner: str | None = None) -> list[dict]:
    """Keys (never private parts) with their state, and each owner's next scheduled
    rotation (None: not scheduled). Raises only database errors."""
    return key_rows_for(services, services.keyring.records(owner))


def key_rows_for(services, records: list[KeyRecord]) -> list[dict]:
    """``records`` as ``key_rows`` lists them."""
    planned = {s.owner: s for s in schedules(services).list_all()}
    return [_row(record, planned.get(record.owner)) for record in records]


def _row(record: KeyRecord, schedule: RotationSchedule | None) -> dict:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {"kid": record.kid, "owner": record.owner, "alg": record.alg,
            "state": str(record.state), "published": record.published,
            "created_at": iso(record.created_at), "activates_at": iso(record.activates_at),
            "retired_at": iso(record.retired_at), "revoked_at": iso(record.revoked_at),
            "next_rotation_at": iso(schedule.next_rotation_at) if schedule else None}


def schedule_rows(services) -> list[dict]:
    """Every rotation schedule, for listings."""
    return [schedule_json(s) for s in schedules(services).list_all()]


def schedule_json(s: RotationSchedule) -> dict:
    """One schedule as JSON (durations in seconds)."""
    return {"owner": s.owner, "every_seconds": int(s.every.total_seconds()),
            "prepublish_seconds": int(s.prepublish.total_seconds()),
            "next_rotation_at": s.next_rotation_at.isoformat(),
            "last_rotated_at": s.last_rotated_at.isoformat() if s.last_rotated_at else None}


def check_known_owner(services, owner: str) -> str:
    """Return ``owner``; raises KeyAdminError if malformed or an unregistered department."""
    try:
        check_owner(owner)
    except ValueError as exc:
        raise KeyAdminError(str(exc)) from None
    if owner.startswith("dept:"):
        work = services.unit_of_work
        with work.scope():
            found = catalogue.get_department_or_none(work.session(), owner[5:])
        if found is None:
            raise KeyAdminError(f"no department {owner[5:]!r} (see onegate departments list)")
    return owner


def set_schedule(services, owner: str, every: timedelta, prepublish: timedelta,
                 now: datetime | None = None) -> RotationSchedule:
    """Rotate ``owner``'s signing key every ``every`` (published ``prepublish`` before
    it signs); the first is due when the current key has served ``every``. Replaces
    an existing schedule. Raises KeyAdminError."""
    check_known_owner(services, owner)
    records = services.keyring.records(owner)
    if not signing_algs(records):
        raise KeyAdminError(f"{owner} has no active key to rotate")
    now = now or utc_now()
    try:
        schedule = new_schedule(owner, every, prepublish, active_since(records), now)
    except ValueError as exc:
        raise KeyAdminError(str(exc)) from None
    schedules(services).put(schedule)
    return schedule


def remove_schedule(services, owner: str) -> bool:
    """Stop rotating ``owner`` on a schedule; whether it had one."""
    return schedules(services).remove(owner)


def rotate_due(services, now: datetime | None = None) -> list[tuple[str, str]]:
    """Publish a key for every due schedule (the housekeeping job calls this); returns
    (owner, kid) pairs. Raises what the key ring raises."""
    return run_due(services.keyring, schedules(services), now or utc_now())


def revocation(services, kid: str, now: datetime | None = None) -> Revocation:
    """What revoking ``kid`` would invalidate; changes nothing. Raises KeyAdminError
    for an unknown kid."""
    record = _record(services, kid)
    work = services.unit_of_work
    with work.scope():
        impact = key_compromise.impact(work.session(), kid, now or utc_now())
    return Revocation(record, impact)


def revoke(services, kid: str) -> Revocation:
    """Revoke ``kid`` and return what it invalidated (counted just before). Raises
    KeyAdminError for an unknown kid."""
    before = revocation(services, kid)
    try:
        record = services.keyring.revoke(kid)
    except UnknownKey:
        raise KeyAdminError(f"no key with kid {kid}") from None
    return Revocation(record, before.impact)


def _record(services, kid: str) -> KeyRecord:
    found = [r for r in services.keyring.records() if r.kid == kid]
    if not found:
        raise KeyAdminError(f"no key with kid {kid}")
    return found[0]


def has_signer(services, owner: str, alg: str) -> bool:
    """Whether ``owner`` has an active ``alg`` key after a revocation."""
    from keys import NoActiveKey

    try:
        services.keyring.signer(owner, alg)
    except NoActiveKey:
        return False
    return True
