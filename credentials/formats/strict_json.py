"""JSON decoding that rejects duplicate member names and non-finite numbers.

RFC 7515 section 5.2 lets a JWS parser either reject duplicate header names or use
the last one; accepting them lets two parsers see two different claim sets, so we
reject (RFC 8259 section 4: names "SHOULD be unique").
"""

from __future__ import annotations

import json
from typing import Any

from credentials.formats.errors import InvalidJson


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # one C pass; a repeated name leaves the dict shorter
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InvalidJson(f"duplicate member name {key!r}")
            seen.add(key)
    return result


def _no_constant(name: str) -> Any:
    raise InvalidJson(f"non-finite number {name}")


#: One decoder for every call (``json.loads`` with hooks builds a new one per call).
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def loads(data: bytes | str) -> Any:
    """Parse UTF-8 JSON strictly.

    Raises InvalidJson for bad UTF-8, bad JSON, duplicate names, NaN or Infinity.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return _DECODER.decode(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidJson("not valid UTF-8 JSON") from exc


def loads_object(data: bytes | str) -> dict[str, Any]:
    """Parse strict JSON that must be an object. Raises InvalidJson otherwise."""
    value = loads(data)
    if not isinstance(value, dict):
        raise InvalidJson("expected a JSON object")
    return value


def dumps(value: Any) -> bytes:
    """Serialise compactly as UTF-8 (non-ASCII kept as-is: Chinese text stays 3 bytes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
