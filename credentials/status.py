"""Token Status Lists per department: random slot allocation and the signed list.

Herd privacy (status-list draft, "Privacy Considerations"): a licence's index is a
uniformly random free slot chosen with a CSPRNG, not the next number, so an index
says nothing about issuance order. A list is only filled to ``FILL_LIMIT`` so random
picks find a free slot quickly, then a new list starts.

Statuses are not kept as a blob: each licence row holds its ``state``, and the
unique ``(status_list_id, status_idx)`` constraint records which slots are taken.
The signed list is built on request from the rows that are not valid, and cached
under the list's ``version``, which every status change increments - so a fresh
fetch sees a change at once. ``list_state`` hands the decoded bits to an in-process
verifier (verify.online) through the same cache: no token is signed to be verified
again by its own signer.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, event, exists, insert, select, union_all, update
from sqlalchemy.orm import Session, sessionmaker

import keys
from credentials import layout
from credentials.formats import status_list
from credentials.models import Licence, SlotReservation, StatusListRow, utcnow

#: Where ``record_change`` notes, on the session, the versions its transaction bumped
#: (read after the commit by ``credentials.status_stamps.publish_changes``).
CHANGED_KEY = "onegate.status_changed"

LIST_SIZE = 100_000
BITS = 2
FILL_LIMIT = 0.5
TTL_SECONDS = 300
TOKEN_LIFETIME = 86_400
STATE_VALUES = {"valid": status_list.VALID, "revoked": status_list.INVALID,
                "suspended": status_list.SUSPENDED}
_PROBE_CHUNK = 2100
_LIST_ID = re.compile(r"[0-9A-Za-z_-]{1,32}")


def allocate(session: Session, department_code: str, count: int) -> list[tuple[str, int]]:
    """Reserve ``count`` random free slots in the department's current list(s).

    Two statements per list used, whatever ``count``: one UPDATE ... RETURNING picks
    the department's newest list with room for the whole reservation and reserves it
    (taking the row lock on PostgreSQL, the write lock on SQLite, before any slot is
    chosen), then one probe of CSPRNG-drawn candidates against the taken indices
    (a statement of its own, so on PostgreSQL it reads what earlier holders of the
    lock committed) against the stored licences and the slots worker processes
    reserved ahead (``reserve``). A list without room for the whole reservation is left as it is
    (at most ``count - 1`` slots below ``FILL_LIMIT``) and a new list is started;
    a new list needs no probe.
    """
    limit = int(LIST_SIZE * FILL_LIMIT)
    slots: list[tuple[str, int]] = []
    while len(slots) < count:
        take = min(count - len(slots), limit)
        list_id = _reserve(session, department_code, take, limit)
        if list_id is None:
            list_id = _new_list(session, department_code, take)
            indices = _distinct_random(LIST_SIZE, take)
        else:
            indices = _free_indices(session, list_id, LIST_SIZE, take,
                                    _reserved_here(session, list_id))
        _reserved_here(session, list_id).update(indices)
        slots += [(list_id, idx) for idx in indices]
    return slots


_RESERVED = "onegate.status_slots_reserved"


def _reserved_here(session: Session, list_id: str) -> set[int]:
    """The slots of ``list_id`` this transaction already handed out: the probe sees
    only stored licences, so a second allocation before the first's licences are
    inserted must be kept off them. Forgotten when the transaction changes."""
    transaction = session.get_transaction()
    held = session.info.get(_RESERVED)
    if held is None or held[0] is not transaction:
        held = session.info[_RESERVED] = (transaction, {})
    return held[1].setdefault(list_id, set())


def _reserve(session: Session, department_code: str, take: int, limit: int) -> str | None:
    current = (select(StatusListRow.id)
               .where(StatusListRow.department_code == department_code,
                      StatusListRow.allocated <= limit - take, StatusListRow.size == LIST_SIZE)
               .order_by(StatusListRow.created_at.desc()).limit(1).scalar_subquery())
    # The allocated test is repeated outside the subquery: PostgreSQL re-checks it on
    # the locked row when a concurrent reservation committed first.
    return session.execute(
        update(StatusListRow)
        .where(StatusListRow.id == current, StatusListRow.allocated <= limit - take)
        .values(allocated=StatusListRow.allocated + take)
        .returning(StatusListRow.id)
        .execution_options(synchronize_session=False)).scalar()


def _new_list(session: Session, department_code: str, take: int) -> str:
    row = StatusListRow(id=secrets.token_hex(8), department_code=department_code,
                        size=LIST_SIZE, bits=BITS, allocated=take, version=0)
    session.add(row)
    session.flush()
    return row.id


def _distinct_random(size: int, count: int) -> list[int]:
    chosen: set[int] = set()
    while len(chosen) < count:
        chosen.add(secrets.randbelow(size))
    return list(chosen)


def _free_indices(session: Session, list_id: str, size: int, count: int,
                  reserved: set[int]) -> list[int]:
    chosen: set[int] = set()
    while len(chosen) < count:
        want = min(_PROBE_CHUNK, 2 * (count - len(chosen)) + 8)
        candidates = {secrets.randbelow(size) for _ in range(want)} - chosen - reserved
        taken = set(session.scalars(union_all(
            select(Licence.status_idx).where(
                Licence.status_list_id == list_id, Licence.status_idx.in_(candidates)),
            select(SlotReservation.status_idx).where(
                SlotReservation.status_list_id == list_id,
                SlotReservation.status_idx.in_(candidates)))))
        for idx in candidates - taken:
            if len(chosen) < count:
                chosen.add(idx)
    return list(chosen)


def reserve(session: Session, department_code: str, count: int) -> list[tuple[str, int]]:
    """Reserve ``count`` random free slots ahead, for a worker process's in-memory
    reserve (credentials.slot_reserve), in the caller's own transaction - never a
    request's. The slots are chosen as ``allocate`` chooses them (the list's row lock,
    CSPRNG-drawn indices, counted in ``allocated``) and recorded in
    ``credential_status_reservations``, so no other process or allocation hands them
    out until the licence that uses one is stored. The department's reservations
    whose licences are stored by now are forgotten (their licences keep the slots
    taken); one whose process died unused stays, and its slot stays unassigned.
    """
    slots = allocate(session, department_code, count)
    # After allocate: refills of the department's current list queue on its row lock
    # before they delete, so two of them seldom delete the same rows at once.
    session.execute(delete(SlotReservation).where(
        SlotReservation.status_list_id.in_(select(StatusListRow.id).where(
            StatusListRow.department_code == department_code)),
        exists().where(Licence.status_list_id == SlotReservation.status_list_id,
                       Licence.status_idx == SlotReservation.status_idx))
        .execution_options(synchronize_session=False))
    now = utcnow()
    if slots:
        session.execute(insert(SlotReservation), [
            {"status_list_id": list_id, "status_idx": idx, "reserved_at": now}
            for list_id, idx in slots])
    return slots


_CHANGED = "onegate.status_lists_changed"


def record_change(session: Session, list_id: str) -> None:
    """Bump the list's version after a licence in it changed state. The new version is
    noted on the session: once the transaction commits, ``status_stamps.publish_changes``
    hands it to the shared version stamps, and ``on_committed`` listeners hear of it."""
    version = session.execute(update(StatusListRow).where(StatusListRow.id == list_id)
                              .values(version=StatusListRow.version + 1)
                              .returning(StatusListRow.version)).scalar()
    if version is not None:
        changed = session.info.setdefault(CHANGED_KEY, {})
        changed[list_id] = max(int(version), changed.get(list_id, 0))
    session.info.setdefault(_CHANGED, set()).add(list_id)


def on_committed(sessions: sessionmaker[Session],
                 listener: Callable[[frozenset[str]], None]) -> None:
    """Call ``listener(list ids)`` after each commit, by a session of ``sessions``,
    that changed statuses in those lists (what this process publishes from them is
    rebuilt at once; other processes see the new ``version``). A rollback forgets them."""
    def committed(session: Session) -> None:
        changed = session.info.get(_CHANGED)
        if changed:
            listener(frozenset(changed))

    def ended(session: Session, transaction: Any) -> None:
        # After every listener's after_commit (or a rollback) of the outermost one.
        if transaction.parent is None:
            session.info.pop(_CHANGED, None)

    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_transaction_end", ended)


def current_bits(session: Session, row: StatusListRow) -> status_list.StatusList:
    """The list as it stands: every slot valid except the rows that say otherwise."""
    return _bits(session, row.id, row.size, row.bits)


def _bits(session: Session, list_id: str, size: int, width: int) -> status_list.StatusList:
    bits = status_list.StatusList(size, width)
    changed = session.execute(select(Licence.status_idx, Licence.state).where(
        Licence.status_list_id == list_id, Licence.state != "valid"))
    for idx, state in changed:
        bits.set(idx, STATE_VALUES[state])
    return bits


@dataclass(frozen=True)
class SignedList:
    token: str
    etag: str
    iat: int
    uri: str = ""


@dataclass(frozen=True)
class ListState:
    """One version of a list, decoded: what a verifier in this process reads status
    bits from (``bits`` is shared: read it, never ``set`` it)."""

    list_id: str
    department_code: str
    version: int
    bits: status_list.StatusList


@dataclass
class _Entry:
    version: int
    state: ListState | None = None
    checked: float = float("-inf")  # when ``version`` was last read from the database
    signed: dict[str, SignedList] = field(default_factory=dict)  # kid -> token


class SignedListCache:
    """The one status-list cache: per list id, the decoded bits of its latest version
    seen and the Status List Tokens signed from them (by kid). LRU, bounded by lists
    (``capacity``; a 100,000-entry 2-bit list is 25 KB of bits, so 256 lists ~6.4 MB)
    and by kids per list (``MAX_KIDS``). A new version replaces the list's entry."""

    MAX_KIDS = 4

    def __init__(self, capacity: int = 256) -> None:
        self._items: OrderedDict[str, _Entry] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def _entry(self, list_id: str, version: int) -> _Entry:
        entry = self._items.get(list_id)
        if entry is None or entry.version < version:
            entry = self._items[list_id] = _Entry(version)
        self._items.move_to_end(list_id)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)
        return entry

    def get(self, key: tuple[str, int, str], max_age: int) -> SignedList | None:
        """The token signed for (list id, version, kid), unless older than ``max_age``."""
        list_id, version, kid = key
        with self._lock:
            entry = self._items.get(list_id)
            found = entry.signed.get(kid) if entry and entry.version == version else None
            if found is None or found.iat + max_age < time.time():
                return None
            self._items.move_to_end(list_id)
            return found

    def put(self, key: tuple[str, int, str], value: SignedList) -> None:
        list_id, version, kid = key
        with self._lock:
            entry = self._entry(list_id, version)
            if entry.version == version:
                entry.signed[kid] = value
                while len(entry.signed) > self.MAX_KIDS:
                    entry.signed.pop(next(iter(entry.signed)))

    def state(self, list_id: str, version: int) -> ListState | None:
        """The decoded list at exactly ``version``, if held."""
        with self._lock:
            entry = self._items.get(list_id)
            if entry is None or entry.version != version or entry.state is None:
                return None
            self._items.move_to_end(list_id)
            return entry.state

    def put_state(self, state: ListState) -> None:
        with self._lock:
            entry = self._entry(state.list_id, state.version)
            if entry.version == state.version:
                entry.state = state

    def checked_state(self, list_id: str, version: int, since: float) -> ListState | None:
        """The decoded list at exactly ``version`` if its version was read from the
        database at or after ``since`` (``status_stamps.StatusStamps`` clock)."""
        with self._lock:
            entry = self._items.get(list_id)
            if (entry is None or entry.version != version or entry.state is None
                    or entry.checked < since):
                return None
            return entry.state

    def mark_checked(self, list_id: str, version: int, at: float) -> None:
        with self._lock:
            entry = self._items.get(list_id)
            if entry is not None and entry.version == version:
                entry.checked = max(entry.checked, at)


def list_state(session: Session, list_id: str, cache: SignedListCache) -> ListState | None:
    """The list ``list_id`` as it stands, decoded; None if there is no such list.

    The freshness check is one primary-key read of the list's ``version`` (every status
    change bumps it in the same transaction), so a revocation committed by any worker
    is seen by the next call in every worker; the bits are rebuilt only when the
    version moved. Raises SQLAlchemyError when the database cannot be read.
    """
    if not is_list_id(list_id):
        return None
    found = session.execute(select(
        StatusListRow.department_code, StatusListRow.version, StatusListRow.size,
        StatusListRow.bits).where(StatusListRow.id == list_id)).first()
    if found is None:
        return None
    department_code, version, size, width = found
    cached = cache.state(list_id, version)
    if cached is not None:
        return cached
    bits = _bits(session, list_id, size, width)
    state = ListState(list_id, department_code, version, bits)
    cache.put_state(state)
    return state


def signed_list(session: Session, keyring: Any, issuer: str, row: StatusListRow,
                cache: SignedListCache) -> SignedList:
    """The Status List Token for ``row``, from the cache when its version is current.

    Raises keys.NoActiveKey if the department cannot sign.
    """
    signer = keyring.signer(keys.department(row.department_code), "ES256")
    key = (row.id, row.version, signer.kid)
    cached = cache.get(key, max_age=TOKEN_LIFETIME // 2)
    if cached is not None:
        return cached
    state = cache.state(row.id, row.version)
    bits = state.bits if state is not None else current_bits(session, row)
    now = int(time.time())
    token = status_list.status_list_jwt(
        bits, uri=layout.status_uri(issuer, row.department_code, row.id),
        iat=now, exp=now + TOKEN_LIFETIME, ttl=TTL_SECONDS, private_key=signer.private_key,
        alg=signer.alg, kid=signer.kid)
    result = SignedList(token=token, etag=f"{row.id}-{row.version}-{signer.kid[:12]}", iat=now,
                        uri=layout.status_uri(issuer, row.department_code, row.id))
    cache.put(key, result)
    return result


def signed_token(session: Session, keyring: Any, issuer: str, list_id: str,
                 cache: SignedListCache) -> SignedList | None:
    """``signed_list`` by list id; None if there is no such list.

    Raises keys.NoActiveKey if the department cannot sign.
    """
    row = session.get(StatusListRow, list_id) if is_list_id(list_id) else None
    return signed_list(session, keyring, issuer, row, cache) if row is not None else None


def list_ids(session: Session) -> list[tuple[str, str]]:
    """(list id, department code) of every list, by id."""
    return [(list_id, code) for list_id, code in session.execute(
        select(StatusListRow.id, StatusListRow.department_code).order_by(StatusListRow.id))]


def republish_all(session: Session) -> int:
    """Bump every list's version, so each cached or stamped copy (this process, other
    workers, Redis stamps of an instance restored from a backup) is signed afresh from
    the rows; returns how many lists. Raises only database errors."""
    ids = [list_id for list_id, _ in list_ids(session)]
    for list_id in ids:
        record_change(session, list_id)
    return len(ids)


def is_list_id(list_id: object) -> bool:
    """Ids are generated hex; anything else (NUL bytes, which PostgreSQL refuses in
    text, over-long text) is no list rather than a database error."""
    return isinstance(list_id, str) and _LIST_ID.fullmatch(list_id) is not None

