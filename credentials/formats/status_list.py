"""Token Status List (draft-ietf-oauth-status-list): compressed bit arrays and their JWT.

Status values (draft section "Status Types"): 0 VALID, 1 INVALID (revoked),
2 SUSPENDED. Bit order (draft section "Status List"): index 0 occupies the least
significant bits of byte 0, so for ``bits=1`` statuses [1,0,0,1,1,1,0,1] are 0xB9.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from credentials.formats import base64url, inflate, jws, validity
from credentials.formats.errors import (
    InvalidClaim,
    InvalidHeader,
    InvalidStatusValue,
    MissingClaim,
    StatusIndexOutOfRange,
    StatusListError,
    SubjectMismatch,
)

VALID, INVALID, SUSPENDED = 0, 1, 2
TYP = "statuslist+jwt"
ALLOWED_BITS = (1, 2, 4, 8)
MAX_LIST_BYTES = 16 * 1024 * 1024


class StatusList:
    """A fixed-size array of ``bits``-wide statuses packed little-end-first into bytes."""

    def __init__(self, size: int, bits: int = 2, *, data: bytes | None = None) -> None:
        """Raises StatusListError for bad ``bits``, ``size`` or ``data`` length."""
        if bits not in ALLOWED_BITS:
            # Draft "Status List": the allowed values for `bits` are 1, 2, 4 and 8.
            raise StatusListError("bits must be 1, 2, 4 or 8")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise StatusListError("size must be a positive integer")
        length = (size * bits + 7) // 8
        if data is not None and len(data) != length:
            raise StatusListError("data length does not match size")
        self.size = size
        self.bits = bits
        self._data = bytearray(data) if data is not None else bytearray(length)
        self._compressed: str | None = None

    def _locate(self, idx: int) -> tuple[int, int]:
        if isinstance(idx, bool) or not isinstance(idx, int) or not 0 <= idx < self.size:
            raise StatusIndexOutOfRange(f"index {idx!r} outside 0..{self.size - 1}")
        position = idx * self.bits
        return position // 8, position % 8

    def get(self, idx: int) -> int:
        """Status at ``idx``. Raises StatusIndexOutOfRange."""
        byte, shift = self._locate(idx)
        return (self._data[byte] >> shift) & ((1 << self.bits) - 1)

    def set(self, idx: int, value: int) -> None:
        """Set the status at ``idx``. Raises StatusIndexOutOfRange or InvalidStatusValue."""
        byte, shift = self._locate(idx)
        mask = (1 << self.bits) - 1
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= mask:
            raise InvalidStatusValue(f"status {value!r} does not fit {self.bits} bits")
        self._data[byte] = (self._data[byte] & ~(mask << shift) & 0xFF) | (value << shift)
        self._compressed = None

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    def to_compressed(self) -> str:
        """The ``lst`` value: zlib/DEFLATE at level 9, then base64url (draft "Status List").

        Kept until the next ``set``: the JWT and a size report reuse one compression."""
        if self._compressed is None:
            self._compressed = base64url.encode(inflate.compress_sparse(bytes(self._data)))
        return self._compressed

    def to_json(self) -> dict[str, Any]:
        return {"bits": self.bits, "lst": self.to_compressed()}

    @classmethod
    def from_compressed(cls, lst: str, *, bits: int, max_bytes: int = MAX_LIST_BYTES) -> StatusList:
        """Decode an ``lst``; the size becomes every slot the bytes hold.

        Raises InvalidBase64, InvalidCompression, DecompressionLimitExceeded or StatusListError.
        """
        if bits not in ALLOWED_BITS:
            raise StatusListError("bits must be 1, 2, 4 or 8")
        data = inflate.decompress(base64url.decode(lst), max_size=max_bytes)
        if not data:
            raise StatusListError("empty status list")
        return cls(len(data) * 8 // bits, bits, data=data)


def reference(idx: int, uri: str) -> dict[str, Any]:
    """The ``status`` claim of a Referenced Token (draft "Referenced Token")."""
    return {"status_list": {"idx": idx, "uri": uri}}


@dataclass(frozen=True)
class StatusListToken:
    """A verified Status List Token."""

    status_list: StatusList
    sub: str
    iat: int
    exp: int | None
    ttl: int | None


def status_list_jwt(
    status_list: StatusList,
    *,
    uri: str,
    iat: int,
    exp: int,
    ttl: int,
    private_key: Any,
    alg: str,
    kid: str,
) -> str:
    """Sign a Status List Token in JWT format (draft "Status List Token in JWT Format").

    Raises UnsupportedAlgorithm or KeyAlgorithmMismatch.
    """
    payload = {"sub": uri, "iat": iat, "exp": exp, "ttl": ttl, "status_list": status_list.to_json()}
    headers = {"typ": TYP, "kid": kid}
    return jws.sign(payload, private_key=private_key, alg=alg, headers=headers)


def parse_status_list_jwt(
    token: str,
    public_key: Any,
    *,
    expected_uri: str,
    now: int,
    algorithms: Iterable[str] = ("ES256", "EdDSA", "RS256"),
    max_bytes: int = MAX_LIST_BYTES,
) -> StatusListToken:
    """Verify a Status List Token and decode its list (draft "Validation Rules").

    Raises the ``jws.verify`` errors, InvalidHeader (typ), SubjectMismatch,
    MissingClaim, InvalidClaim, Expired, and the ``StatusList.from_compressed`` errors.
    """
    header, payload = jws.verify(token, public_key=public_key, algorithms=tuple(algorithms))
    if header.get("typ") != TYP:
        # Draft "Status List Token in JWT Format": typ "MUST be statuslist+jwt".
        raise InvalidHeader(f"typ must be {TYP}")
    if payload.get("sub") != expected_uri:
        # Draft "Validation Rules": the token `sub` has to equal the Referenced Token `uri`.
        raise SubjectMismatch("status list sub does not match the referenced uri")
    iat = validity.numeric_date(payload.get("iat"), "iat", required=True)
    exp = validity.numeric_date(payload.get("exp"), "exp", required=False)
    if exp is not None:
        validity.check_window(exp=exp, nbf=None, now=now)
    ttl = validity.numeric_date(payload.get("ttl"), "ttl", required=False)
    return StatusListToken(_decode_claim(payload, max_bytes), payload["sub"], iat, exp, ttl)


def _decode_claim(payload: dict[str, Any], max_bytes: int) -> StatusList:
    claim = payload.get("status_list")
    if not isinstance(claim, dict):
        raise MissingClaim("status_list is required")
    if not isinstance(claim.get("lst"), str) or claim.get("bits") not in ALLOWED_BITS:
        raise InvalidClaim("status_list needs bits (1, 2, 4, 8) and lst")
    return StatusList.from_compressed(claim["lst"], bits=claim["bits"], max_bytes=max_bytes)
