"""CBOR Web Token claims (RFC 8392 section 3.1) plus one private claim holding the licence map.

The licence claim key is -65537: RFC 8392 section 9.1 reserves integer claim keys
"less than -65536" for Private Use, so we neither squat on a registered key (such as
the EU DCC's -260 "hcert") nor on an unregistered text name.

``iss`` is a StringOrURI (RFC 8392 section 3.1.1); the offline form puts the
department code there (``gdamr``), which the verifier resolves through the trust
list, because the issuer URL would cost QR modules. It is 1 to 255 characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credentials.formats import strict_cbor, validity
from credentials.formats.errors import InvalidClaim, MissingClaim

ISS, SUB, AUD, EXP, NBF, IAT, CTI = 1, 2, 3, 4, 5, 6, 7
LICENCE = -65537
MAX_ISS = 255


@dataclass(frozen=True)
class CwtClaims:
    """Decoded (not yet trusted unless obtained after signature verification) claims."""

    iss: str
    iat: int
    nbf: int | None
    exp: int
    licence: dict[Any, Any]
    sub: str | None = None
    cti: bytes | None = None


def encode(
    licence: dict[Any, Any],
    *,
    iss: str,
    iat: int,
    nbf: int | None,
    exp: int,
    sub: str | None = None,
    cti: bytes | None = None,
) -> bytes:
    """Serialize the claims map deterministically. Raises InvalidClaim for bad types."""
    claims: dict[int, Any] = {ISS: iss, IAT: iat, EXP: exp, LICENCE: licence}
    optional = {NBF: nbf, SUB: sub, CTI: cti}
    claims.update({key: value for key, value in optional.items() if value is not None})
    _check(claims)
    return strict_cbor.dumps(claims)


def decode(payload: bytes) -> CwtClaims:
    """Decode a CWT claims map. Raises InvalidCbor, MissingClaim or InvalidClaim."""
    claims = strict_cbor.loads(payload)
    if not isinstance(claims, dict):
        raise InvalidClaim("CWT claims are a CBOR map (RFC 8392 section 7)")
    _check(claims)
    return CwtClaims(
        iss=claims[ISS],
        iat=claims[IAT],
        nbf=claims.get(NBF),
        exp=claims[EXP],
        licence=claims[LICENCE],
        sub=claims.get(SUB),
        cti=claims.get(CTI),
    )


def _check(claims: dict[Any, Any]) -> None:
    if not isinstance(claims.get(ISS), str):
        raise MissingClaim("iss (1) is required and a text string")
    if not 0 < len(claims[ISS]) <= MAX_ISS:
        raise InvalidClaim(f"iss (1) is 1 to {MAX_ISS} characters")
    if not isinstance(claims.get(LICENCE), dict):
        raise MissingClaim("licence claim (-65537) is required and a map")
    validity.numeric_date(claims.get(IAT), "iat", required=True)
    validity.numeric_date(claims.get(EXP), "exp", required=True)
    validity.numeric_date(claims.get(NBF), "nbf", required=False)
    if SUB in claims and not isinstance(claims[SUB], str):
        raise InvalidClaim("sub (2) is a text string")
    if CTI in claims and not isinstance(claims[CTI], bytes):
        raise InvalidClaim("cti (7) is a byte string")
