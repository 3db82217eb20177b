"""CBOR decoding (RFC 8949) that rejects trailing bytes, duplicate map keys and deep nesting."""

from __future__ import annotations

import io
from typing import Any

import cbor2

from credentials.formats.errors import InvalidCbor

MAX_DEPTH = 16


def loads(data: bytes) -> Any:
    """Decode exactly one CBOR data item.

    Raises InvalidCbor for malformed or truncated input, trailing bytes, duplicate map
    keys (RFC 8949 section 5.6: maps with duplicate keys are not valid) or nesting
    deeper than MAX_DEPTH.
    """
    stream = io.BytesIO(data)
    try:
        decoder = cbor2.CBORDecoder(stream, allow_duplicate_keys=False, max_depth=MAX_DEPTH)
        value = decoder.decode()
    except (cbor2.CBORError, ValueError, TypeError, RecursionError, EOFError) as exc:
        raise InvalidCbor(f"not valid CBOR: {exc}") from exc
    if stream.tell() != len(data):
        raise InvalidCbor("trailing bytes after the CBOR data item")
    return value


def dumps(value: Any) -> bytes:
    """Encode deterministically (RFC 8949 section 4.2.1 core deterministic encoding)."""
    return cbor2.dumps(value, canonical=True)
