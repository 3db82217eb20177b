"""What issuance reads per department on every call, cached in this process: the
department, its licence types (with their compiled claim validators) and its signer.

Owned by ``CredentialsServices`` (one per app), never module-level. Bounds:

- Departments and licence types: read-only snapshots, each kept at most
  ``catalogue_ttl`` seconds (default 5). An unknown code is never cached, so a new
  type is seen at once. A new version, a retirement or a change of issuing
  departments (credentials.type_lifecycle) is seen at once by the process that made
  it (``forget_type`` after its commit) and within 5 s by every other worker.
- Signers: kept at most ``signer_ttl`` seconds (default 2) and dropped at once when
  this process's key ring changes any key (``KeyRing.generation``: a revocation,
  rotation, promotion or new key made through this worker stops or switches signing
  on the next call). A revocation made by another process (``onegate keys revoke``,
  another worker) is seen within ``signer_ttl``. A due ``next`` key starts signing
  within the same bound (it was published before it could sign).

LRU-bounded by department (``capacity``, default 256). Thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy.orm import Session

import keys
from credentials import catalogue


@dataclass(frozen=True)
class DepartmentInfo:
    """A department as issuance reads it."""

    code: str
    name: str
    uscc: str


@dataclass(frozen=True)
class TypeInfo:
    """A licence type as issuance and signing read it (picklable without ``validator``)."""

    code: str
    name_zh: str
    holder_kind: str
    validity_days: int
    departments: tuple[str, ...]
    disclosable: tuple[str, ...]
    offline_claims: tuple[str, ...]
    json_schema: dict[str, Any]
    validator: Any = field(default=None, compare=False, repr=False)
    #: The current version (what a new licence is issued under) and the type's status.
    version: int = 1
    status: str = "active"

    def for_signing(self) -> TypeInfo:
        """A copy without the compiled validator (to send to a signing process)."""
        return TypeInfo(self.code, self.name_zh, self.holder_kind, self.validity_days,
                        self.departments, self.disclosable, self.offline_claims, {},
                        version=self.version, status=self.status)


def type_info(row: Any) -> TypeInfo:
    return TypeInfo(row.code, row.name_zh, row.holder_kind, row.validity_days,
                    tuple(row.departments), tuple(row.disclosable),
                    tuple(row.offline_claims), row.json_schema,
                    Draft202012Validator(row.json_schema, format_checker=FormatChecker()),
                    version=row.version, status=row.status)


class IssuerCache:
    """Departments, licence types and signers for issuance; see the module docstring."""

    def __init__(self, keyring: Any, *, catalogue_ttl: float = 5.0, signer_ttl: float = 2.0,
                 capacity: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self._keyring = keyring
        self._catalogue_ttl = catalogue_ttl
        self._signer_ttl = signer_ttl
        self._capacity = capacity
        self._clock = clock
        self._lock = threading.Lock()
        self._departments: OrderedDict[str, tuple[float, DepartmentInfo]] = OrderedDict()
        self._types: OrderedDict[str, tuple[float, TypeInfo]] = OrderedDict()
        # department code -> (expires at, key ring generation, signer)
        self._signers: OrderedDict[str, tuple[float, int, Any]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._departments) + len(self._types) + len(self._signers)

    def clear(self) -> None:
        with self._lock:
            self._departments.clear()
            self._types.clear()
            self._signers.clear()

    def department(self, session: Session, code: str) -> DepartmentInfo:
        """The department ``code``. Raises NotFound."""
        found = self._get(self._departments, code)
        if found is None:
            row = catalogue.get_department(session, code)
            found = DepartmentInfo(row.code, row.name, row.uscc)
            self._put(self._departments, code, (self._clock() + self._catalogue_ttl, found))
        return found

    def licence_type(self, session: Session, code: Any) -> TypeInfo | None:
        """The licence type ``code``, or None (not cached: a new type is seen at once)."""
        if not isinstance(code, str):
            return None
        found = self._get(self._types, code)
        if found is None:
            row = catalogue.get_type(session, code)
            if row is None:
                return None
            found = type_info(row)
            self._put(self._types, code, (self._clock() + self._catalogue_ttl, found))
        return found

    def forget_type(self, code: str) -> None:
        """Read the type afresh at its next use (this process changed it)."""
        with self._lock:
            self._types.pop(code, None)

    def signer(self, department_code: str) -> Any:
        """The department's current ES256 signer.

        Raises keys.NoActiveKey, keys.UntrustedKey (see KeyRing.signer).
        """
        generation = self._keyring.generation
        now = self._clock()
        with self._lock:
            entry = self._signers.get(department_code)
            if entry is not None and entry[0] > now and entry[1] == generation:
                self._signers.move_to_end(department_code)
                return entry[2]
        signer = self._keyring.signer(keys.department(department_code), catalogue.SIGNING_ALG)
        self._put(self._signers, department_code, (now + self._signer_ttl, generation, signer))
        return signer

    def _get(self, items: OrderedDict, key: str) -> Any:
        with self._lock:
            entry = items.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del items[key]
                return None
            items.move_to_end(key)
            return entry[1]

    def _put(self, items: OrderedDict, key: str, entry: tuple) -> None:
        with self._lock:
            items[key] = entry
            items.move_to_end(key)
            while len(items) > self._capacity:
                items.popitem(last=False)

