"""zlib (RFC 1950/1951) compression with a hard output bound against decompression bombs."""

from __future__ import annotations

import zlib

from credentials.formats.errors import DecompressionLimitExceeded, InvalidCompression


def compress(data: bytes) -> bytes:
    """zlib at level 9 (the status-list draft RECOMMENDS the highest level)."""
    return zlib.compress(data, 9)


def decompress(data: bytes, *, max_size: int) -> bytes:
    """Inflate a complete zlib stream producing at most ``max_size`` bytes.

    Raises DecompressionLimitExceeded if the output would exceed ``max_size`` (checked
    through ``max_length`` and ``unconsumed_tail``, so a bomb is never expanded), and
    InvalidCompression for corrupt, truncated or trailing data.
    """
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max_size)
        if inflater.unconsumed_tail:
            raise DecompressionLimitExceeded(f"inflates to more than {max_size} bytes")
        out += inflater.flush(1)
    except zlib.error as exc:
        raise InvalidCompression("corrupt zlib stream") from exc
    if len(out) > max_size:
        raise DecompressionLimitExceeded(f"inflates to more than {max_size} bytes")
    if not inflater.eof:
        raise InvalidCompression("truncated zlib stream")
    if inflater.unused_data:
        raise InvalidCompression("trailing bytes after the zlib stream")
    return out
