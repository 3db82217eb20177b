"""Device cookies: a browser that has logged in to an account before is trusted by
the login throttle for that account (OWASP "Slow down online guessing attacks with
device cookies").

After a complete login (password, and the second factor where required) the browser
gets an entry ``<id>.<issued>.<mac>``: a random id, the issue time (Unix seconds)
and HMAC-SHA256 over both and the account's ``sub``, under a key derived from the
KEK. The ``sub`` is not in the cookie (its owner's cookie jar does not name the
account); an entry is checked against the account the typed login name resolves
to, so an entry made for another account, a forged or altered one, or one older than
``max_age`` is simply not trusted. One cookie holds the entries of the last
``MAX_ENTRIES`` accounts used on that browser (a family computer), newest first.

Pure: imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from keys import derive_key

#: keys.derive_key purpose of the device-cookie MAC key.
KEY_PURPOSE = "login device cookie v1"
COOKIE = "onegate_device"
MAX_ENTRIES = 5
_ENTRY_SEP, _FIELD_SEP = "~", "."


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class DeviceCookies:
    """Issues and checks device-cookie values for one MAC key."""

    key: bytes
    max_age: int
    clock: Callable[[], float] = field(default=time.time)

    @classmethod
    def from_kek(cls, kek: bytes, max_age: int) -> DeviceCookies:
        """The key derived from the KEK; raises ValueError for an empty KEK."""
        return cls(derive_key(kek, KEY_PURPOSE), max_age)

    def _mac(self, device_id: str, issued: str, sub: str) -> str:
        message = "\x00".join(("device", device_id, issued, sub)).encode()
        return _b64(hmac.new(self.key, message, hashlib.sha256).digest())

    def issue(self, sub: str, previous: str | None = None) -> str:
        """A new cookie value: a fresh entry for ``sub`` first, then the still-valid
        entries of ``previous`` for other accounts (they are kept, unchecked: they
        can only ever be trusted for the account they were made for)."""
        device_id, issued = _b64(secrets.token_bytes(16)), str(int(self.clock()))
        entry = _FIELD_SEP.join((device_id, issued, self._mac(device_id, issued, sub)))
        kept = [e for e in _entries(previous) if self._fresh(e) and self.device_for(e, sub) is None]
        return _ENTRY_SEP.join([entry, *kept][:MAX_ENTRIES])

    def device_for(self, value: str | None, sub: str) -> str | None:
        """The id of the entry in ``value`` made for ``sub`` and not older than
        ``max_age``; None when there is none (missing, forged, expired, another
        account's). Never raises for any input."""
        for entry in _entries(value):
            device_id, issued, mac = entry.split(_FIELD_SEP)
            if not self._fresh(entry):
                continue
            if hmac.compare_digest(mac.encode(), self._mac(device_id, issued, sub).encode()):
                return device_id
        return None

    def _fresh(self, entry: str) -> bool:
        issued = int(entry.split(_FIELD_SEP)[1])
        return 0 <= self.clock() - issued < self.max_age


def _entries(value: str | None) -> list[str]:
    """Well-formed entries only: three fields, a decimal time, bounded length."""
    if not value or len(value) > 200 * MAX_ENTRIES:
        return []
    entries = []
    for entry in value.split(_ENTRY_SEP)[:MAX_ENTRIES]:
        fields = entry.split(_FIELD_SEP)
        if len(fields) == 3 and fields[1].isascii() and fields[1].isdigit() \
                and len(fields[1]) <= 12 and all(f.isascii() for f in fields):
            entries.append(entry)
    return entries
