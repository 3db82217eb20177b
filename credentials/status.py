"""Token Status Lists per department: random slot allocation and the signed list.

Herd privacy (status-list draft, "Privacy Considerations"): a licence's index is a
uniformly random free slot chosen with a CSPRNG, not the next number, so an index
says nothing about issuance order. A list is only filled to ``FILL_LIMIT`` so random
picks find a free slot quickly, then a new list starts.

Statuses are not kept as a blob: each licence row holds its ``state``, and the
unique ``(status_list_id, status_idx)`` constraint records which slots are taken.
The signed list is built on request from the rows that are not valid, and cached
under the list's ``version``, which every status change increments - so a fresh
fetch sees a change at once.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import keys
from credentials import layout
from credentials.formats import status_list
from credentials.models import Licence, StatusListRow

LIST_SIZE = 100_000
BITS = 2
FILL_LIMIT = 0.5
TTL_SECONDS = 300
TOKEN_LIFETIME = 86_400
STATE_VALUES = {"valid": status_list.VALID, "revoked": status_list.INVALID,
                "suspended": status_list.SUSPENDED}
_PROBE_CHUNK = 400


def allocate(session: Session, department_code: str, count: int) -> list[tuple[str, int]]:
    """Reserve ``count`` random free slots in the department's current list(s)."""
    slots: list[tuple[str, int]] = []
    while len(slots) < count:
        row = _current_list(session, department_code)
        take = min(int(row.size * FILL_LIMIT) - row.allocated, count - len(slots))
        # The UPDATE comes first: it takes the row lock (PostgreSQL) or the write
        # lock (SQLite) before we look for free slots.
        session.execute(update(StatusListRow).where(StatusListRow.id == row.id)
                        .values(allocated=StatusListRow.allocated + take))
        slots += [(row.id, idx) for idx in _free_indices(session, row, take)]
    return slots


def _current_list(session: Session, department_code: str) -> StatusListRow:
    limit = int(LIST_SIZE * FILL_LIMIT)
    row = session.scalar(
        select(StatusListRow)
        .where(StatusListRow.department_code == department_code,
               StatusListRow.allocated < limit, StatusListRow.size == LIST_SIZE)
        .order_by(StatusListRow.created_at.desc()).limit(1))
    if row is None:
        row = StatusListRow(id=secrets.token_hex(8), department_code=department_code,
                            size=LIST_SIZE, bits=BITS, allocated=0, version=0)
        session.add(row)
        session.flush()
    return row


def _free_indices(session: Session, row: StatusListRow, count: int) -> list[int]:
    chosen: set[int] = set()
    while len(chosen) < count:
        want = min(_PROBE_CHUNK, 2 * (count - len(chosen)) + 8)
        candidates = {secrets.randbelow(row.size) for _ in range(want)} - chosen
        taken = set(session.scalars(select(Licence.status_idx).where(
            Licence.status_list_id == row.id, Licence.status_idx.in_(candidates))))
        for idx in candidates - taken:
            if len(chosen) < count:
                chosen.add(idx)
    return list(chosen)


def record_change(session: Session, list_id: str) -> None:
    """Bump the list's version after a licence in it changed state."""
    session.execute(update(StatusListRow).where(StatusListRow.id == list_id)
                    .values(version=StatusListRow.version + 1))


def current_bits(session: Session, row: StatusListRow) -> status_list.StatusList:
    """The list as it stands: every slot valid except the rows that say otherwise."""
    bits = status_list.StatusList(row.size, row.bits)
    changed = session.execute(select(Licence.status_idx, Licence.state).where(
        Licence.status_list_id == row.id, Licence.state != "valid"))
    for idx, state in changed:
        bits.set(idx, STATE_VALUES[state])
    return bits


@dataclass(frozen=True)
class SignedList:
    token: str
    etag: str
    iat: int


class SignedListCache:
    """A small LRU of signed lists keyed by (list id, version, kid)."""

    def __init__(self, capacity: int = 64) -> None:
        self._items: OrderedDict[tuple[str, int, str], SignedList] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, str], max_age: int) -> SignedList | None:
        with self._lock:
            found = self._items.get(key)
            if found is None or found.iat + max_age < time.time():
                return None
            self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, int, str], value: SignedList) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)


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
    now = int(time.time())
    token = status_list.status_list_jwt(
        current_bits(session, row), uri=layout.status_uri(issuer, row.department_code, row.id),
        iat=now, exp=now + TOKEN_LIFETIME, ttl=TTL_SECONDS, private_key=signer.private_key,
        alg=signer.alg, kid=signer.kid)
    result = SignedList(token=token, etag=f"{row.id}-{row.version}-{signer.kid[:12]}", iat=now)
    cache.put(key, result)
    return result
