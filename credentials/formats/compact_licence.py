"""Compact licence claims for the offline QR: one- or two-letter keys to save QR modules.

Layout (CBOR map, text keys):

    "i": licence identifier          "t": licence type code
    "n": holder name                 "h": [holder code type, holder code number]
    "c": {caller-chosen key claims}  "s": [status list index, status list uri]

Chinese text costs 3 bytes per character in CBOR (UTF-8), so callers pick few key
claims. Both functions are pure data shaping.
"""

from __future__ import annotations

from typing import Any

from credentials.formats.errors import InvalidClaim

_STRINGS = ("i", "t", "n")


def pack(
    *,
    identifier: str,
    type_code: str,
    holder_name: str,
    holder_code_type: str,
    holder_code: str,
    key_claims: dict[str, Any],
    status_idx: int | None = None,
    status_uri: str | None = None,
) -> dict[str, Any]:
    """Build the compact map. Raises InvalidClaim if only one of idx/uri is given."""
    packed: dict[str, Any] = {
        "i": identifier,
        "t": type_code,
        "n": holder_name,
        "h": [holder_code_type, holder_code],
        "c": dict(key_claims),
    }
    if (status_idx is None) != (status_uri is None):
        raise InvalidClaim("status needs both idx and uri")
    if status_idx is not None:
        packed["s"] = [status_idx, status_uri]
    return packed


def unpack(packed: dict[Any, Any]) -> dict[str, Any]:
    """Expand a compact map to named fields. Raises InvalidClaim on a wrong shape."""
    if not all(isinstance(packed.get(key), str) for key in _STRINGS):
        raise InvalidClaim("i, t and n are required text strings")
    holder = packed.get("h")
    if not isinstance(holder, list | tuple) or len(holder) != 2:
        raise InvalidClaim("h is [code type, code]")
    if not isinstance(packed.get("c", {}), dict):
        raise InvalidClaim("c is a map")
    status = packed.get("s")
    if status is not None and (not isinstance(status, list | tuple) or len(status) != 2):
        raise InvalidClaim("s is [idx, uri]")
    return {
        "identifier": packed["i"],
        "type_code": packed["t"],
        "holder_name": packed["n"],
        "holder_code_type": holder[0],
        "holder_code": holder[1],
        "key_claims": dict(packed.get("c", {})),
        "status_idx": status[0] if status else None,
        "status_uri": status[1] if status else None,
    }
