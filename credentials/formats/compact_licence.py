"""Compact licence claims for the offline QR (CWT claim -65537): a CBOR map with small
integer keys that carries nothing a verifier can work out for itself.

Layout (CBOR map, unsigned integer keys; 1, 2 and 3 required):

    1: licence identifier, GB/T 36904 text        (its type code is the licence type)
    2: holder name, text
    3: [holder code type, holder code], texts     ("001" credit code, "111" ID number)
    4: [status list id, status index]             (id: byte string or text; index: uint)
    5: {claim name: value}                        the type's ``offline_claims``

Derived, never carried:

- the licence type code: the sixth dot-separated field of the identifier
  ``1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`` (the
  verifier validates the whole identifier, check character included);
- the status list URI: ``<issuer URL>/status/<list id>``, where the issuer URL is the
  trust list's entry for the CWT ``iss`` (a department code) and a byte-string list id
  is written as its lowercase hex digits (a list id that is an even number of lowercase
  hex digits is packed as those bytes; any other is packed as text).

Chinese text costs 3 bytes per character in CBOR (UTF-8), so types pick few offline
claims. Both functions are pure data shaping.
"""

from __future__ import annotations

import re
from typing import Any

from credentials.formats.errors import InvalidClaim

IDENTIFIER, HOLDER_NAME, HOLDER, STATUS, CLAIMS = 1, 2, 3, 4, 5
KEYS = frozenset({IDENTIFIER, HOLDER_NAME, HOLDER, STATUS, CLAIMS})
MAX_LIST_ID = 64
ID_PREFIX = "1.2.156.3005.2."
_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
_HEX_ID = re.compile(r"(?:[0-9a-f]{2}){1,32}")
#: A text list id becomes one URI path segment: unreserved characters only (RFC 3986).
_TEXT_ID = re.compile(r"[A-Za-z0-9._~-]{1,64}")


def status_uri(issuer_url: str, list_id: str) -> str:
    """The status list URI a compact licence refers to: ``<issuer URL>/status/<list id>``."""
    return f"{issuer_url}/status/{list_id}"


def type_code_of(identifier: str) -> str:
    """The type code inside a GB/T 36904 identifier. Raises InvalidClaim."""
    parts = identifier[len(ID_PREFIX):].split(".") if identifier.startswith(ID_PREFIX) else []
    if len(parts) != 5 or not _TYPE_CODE.fullmatch(parts[0]):
        raise InvalidClaim("1 is not a GB/T 36904 licence identifier")
    return parts[0]


def pack(
    *,
    identifier: str,
    holder_name: str,
    holder_code_type: str,
    holder_code: str,
    key_claims: dict[str, Any],
    status_list_id: str | None = None,
    status_idx: int | None = None,
) -> dict[int, Any]:
    """Build the compact map.

    Raises InvalidClaim for an identifier not in the GB/T 36904 form, or a status with
    only one of list id and index, or either malformed.
    """
    type_code_of(identifier)
    packed: dict[int, Any] = {
        IDENTIFIER: identifier,
        HOLDER_NAME: holder_name,
        HOLDER: [holder_code_type, holder_code],
    }
    if (status_list_id is None) != (status_idx is None):
        raise InvalidClaim("status needs both the list id and the index")
    if status_list_id is not None:
        packed[STATUS] = [_pack_list_id(status_list_id), _index(status_idx)]
    if key_claims:
        packed[CLAIMS] = dict(key_claims)
    return packed


def unpack(packed: Any) -> dict[str, Any]:
    """Expand a compact map to named fields. Raises InvalidClaim on a wrong shape."""
    if not isinstance(packed, dict) or not set(packed) <= KEYS:
        raise InvalidClaim("the licence claim is a map with keys 1 to 5")
    identifier, name = packed.get(IDENTIFIER), packed.get(HOLDER_NAME)
    if not isinstance(identifier, str) or not isinstance(name, str):
        raise InvalidClaim("1 (identifier) and 2 (holder name) are required text strings")
    type_code = type_code_of(identifier)
    holder = packed.get(HOLDER)
    if (not isinstance(holder, list | tuple) or len(holder) != 2
            or not all(isinstance(part, str) for part in holder)):
        raise InvalidClaim("3 is [holder code type, holder code], both text")
    claims = packed.get(CLAIMS, {})
    if not isinstance(claims, dict) or not all(isinstance(k, str) for k in claims):
        raise InvalidClaim("5 is a map with text keys")
    list_id = idx = None
    if STATUS in packed:
        status = packed[STATUS]
        if not isinstance(status, list | tuple) or len(status) != 2:
            raise InvalidClaim("4 is [status list id, status index]")
        list_id, idx = _unpack_list_id(status[0]), _index(status[1])
    return {
        "identifier": identifier,
        "type_code": type_code,
        "holder_name": name,
        "holder_code_type": holder[0],
        "holder_code": holder[1],
        "key_claims": dict(claims),
        "status_list_id": list_id,
        "status_idx": idx,
    }


def _pack_list_id(list_id: Any) -> bytes | str:
    if isinstance(list_id, str) and _HEX_ID.fullmatch(list_id):
        return bytes.fromhex(list_id)
    if isinstance(list_id, str) and _TEXT_ID.fullmatch(list_id):
        return list_id
    raise InvalidClaim("a status list id is 1 to 64 unreserved URI characters")


def _unpack_list_id(value: Any) -> str:
    if isinstance(value, bytes) and 1 <= len(value) <= MAX_LIST_ID // 2:
        return value.hex()
    if isinstance(value, str) and _TEXT_ID.fullmatch(value):
        return value
    raise InvalidClaim("a status list id is 1 to 32 bytes or 1 to 64 unreserved characters")


def _index(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidClaim("a status index is an unsigned integer")
    return value
