"""Local validation of the provider's JWT access tokens (RFC 9068) for resource servers.

Department systems and the holder wallet call the credentials API (and verify its
own) with access tokens our provider signs; the provider's userinfo, introspection and
revocation endpoints read the same tokens. We validate them like any outside
resource server would: signature with a key the provider publishes in its JWKS,
``typ`` ``at+jwt`` (RFC 9068 section 4: resource servers MUST verify it), an allowed
asymmetric ``alg``, ``iss``, ``aud`` and ``exp`` with a small leeway.

Revocation: an outside resource server sees a revoked token until it expires
(ONEGATE_ACCESS_TOKEN_TTL). Inside the service the composition root passes
``is_revoked`` (the provider's denylist of ``jti`` values, which logout, token
revocation and consent withdrawal fill), so a holder's withdrawn consent stops a
department's reuse at once.

The JWS is checked with ``cryptography`` directly on the parts decoded once (header
and payload parsed once each, the payload only after its signature verified): pyjwt's
``decode`` parsed the header twice and re-validated what we check ourselves, and was
the largest share of an introspection after the dispatch (docs/PERFORMANCE.md).

No Flask here: the composition root builds one validator per app and hands it to the
packages; each answers the errors in its own wire format.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

#: The provider signs access tokens with ES256 only (idp.tokens.ACCESS_TOKEN_ALG);
#: RFC 8725 section 3.1: accept no algorithm the issuer does not use.
ALGORITHMS = frozenset({"ES256"})
TYP_VALUES = frozenset({"at+jwt", "application/at+jwt"})
PROVIDER = "provider"
DEFAULT_LEEWAY = 30
MAX_TOKEN_LENGTH = 8192
_KID_CACHE_SECONDS = 30.0
#: A parsed provider key is trusted this long before the ring is asked for its state
#: again; a key revoked through this process's ring (its ``generation`` moved) at once.
KEY_RECHECK_SECONDS = 2.0
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_ES256 = ec.ECDSA(hashes.SHA256())


class AccessTokenError(Exception):
    """Base class; ``error`` is the RFC 6750 section 3.1 code, ``status`` the HTTP status."""

    error = "invalid_token"
    status = 401


class InvalidAccessToken(AccessTokenError):
    """Malformed, wrongly typed, unsigned by a published provider key, expired, foreign."""


class InsufficientScope(AccessTokenError):
    error = "insufficient_scope"
    status = 403


@dataclass(frozen=True)
class AccessToken:
    """A validated token: who (``sub``), through which client, with which scopes."""

    sub: str
    client_id: str
    scopes: frozenset[str]
    claims: dict[str, Any] = field(repr=False)

    @property
    def jti(self) -> str:
        return self.claims["jti"]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def require_scope(self, scope: str) -> None:
        """Raises InsufficientScope unless ``scope`` was granted."""
        if scope not in self.scopes:
            raise InsufficientScope(f"the token lacks scope {scope}")


class AccessTokenValidator:
    """The one validator of the provider's access tokens: the provider's own
    userinfo, introspection and revocation endpoints and every in-service resource
    API use it, with the same rules an outside resource server applies.

    ``keyring`` is a keys.KeyRing; only kids in ``keyring.jwks("provider")`` count,
    each for the algorithm it was published with. ``is_revoked(jti)``, when given, is
    asked after the signature verified (the provider's denylist). ``key_faults`` are
    the exceptions by which the ring says a key itself is unusable (keys.errors): the
    token is then invalid; anything else (a database outage) propagates.
    """

    def __init__(self, keyring: Any, *, issuer: str, audience: str,
                 leeway: int = DEFAULT_LEEWAY,
                 is_revoked: Callable[[str], bool] | None = None,
                 key_faults: tuple[type[Exception], ...] = (ValueError,)) -> None:
        self.keyring = keyring
        self.key_faults = key_faults
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.is_revoked = is_revoked
        self._kids: tuple[float, dict[str, str]] | None = None
        # kid -> (recheck after, the ring's generation, parsed public key); only kids
        # of published provider keys get here, so it is as small as the JWKS.
        self._keys: dict[str, tuple[float, Any, Any]] = {}

    def validate(self, token: object) -> AccessToken:
        """A valid, unexpired, unrevoked token for this audience; raises
        InvalidAccessToken for anything wrong with the token itself."""
        claims = self._claims(token, verify_time=True)
        if self.is_revoked is not None and self.is_revoked(claims["jti"]):
            raise InvalidAccessToken("the token was revoked")
        return AccessToken(sub=claims["sub"], client_id=claims["client_id"],
                           scopes=_scopes(claims.get("scope")), claims=claims)

    def unrevoked_claims(self, token: object) -> dict[str, Any]:
        """``validate``'s checks but the denylist: the claims of a valid, unexpired token
        for this audience, whose ``jti`` the caller still has to look up (the token
        fast path asks the denylist itself, to fall back when only a database could
        answer). Raises InvalidAccessToken."""
        return self._claims(token, verify_time=True)

    def signed_claims(self, token: object) -> dict[str, Any]:
        """Claims of a token the provider signed, expired or for another audience
        (RFC 7009 revocation and RFC 7662 introspection must recognise those); the
        signature, ``typ``, ``alg`` and ``iss`` still count. Raises InvalidAccessToken."""
        return self._claims(token, verify_time=False)

    def _claims(self, token: object, *, verify_time: bool) -> dict[str, Any]:
        parts = _split(token)
        key = self._provider_key(parts.header["kid"], parts.header["alg"])
        _verify_es256(key, parts.signing_input, parts.signature)
        try:
            claims = json.loads(parts.payload)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise InvalidAccessToken("the payload is not JSON") from exc
        return _check_claims(claims, self.issuer, self.audience if verify_time else None,
                             self.leeway, verify_time)

    def _provider_key(self, kid: str, alg: str) -> Any:
        # A kid is trusted only for the algorithm its key was published for
        # (RFC 8725 section 3.1): an ES256 signature never meets the RSA key.
        published_alg = self._published_kids(kid).get(kid)
        if published_alg is None:
            raise InvalidAccessToken("kid is not a published provider key")
        if published_alg != alg:
            raise InvalidAccessToken("the kid names a key for another algorithm")
        generation = getattr(self.keyring, "generation", None)
        cached = self._keys.get(kid)
        if cached is not None and cached[0] > time.monotonic() and cached[1] == generation:
            return cached[2]
        try:
            key = self.keyring.public_key(kid)
        except self.key_faults as exc:
            self._keys.pop(kid, None)
            # Only the key's own faults make the token invalid: a database that cannot
            # be reached is not the caller's fault and must surface as 503, not 401.
            raise InvalidAccessToken("provider key unavailable") from exc
        self._keys[kid] = (time.monotonic() + KEY_RECHECK_SECONDS, generation, key)
        return key

    def _published_kids(self, kid: str) -> dict[str, str]:
        """kid -> alg of the provider's published keys, re-read every 30 s, and sooner for
        a kid not in the set when the set is over KEY_RECHECK_SECONDS old: a key
        published through another process (rotated with ``--prepublish 0``) validates
        here within that bound, as it signs there (idp.tokens.ProviderSigner); tokens
        with made-up kids cost at most one read per bound. Revocation bites sooner
        still: keyring.public_key, which reads the key's state, is asked again every
        KEY_RECHECK_SECONDS and whenever the ring's generation moved."""
        cached, at = self._kids, time.monotonic()
        if (cached is None or cached[0] < at
                or (kid not in cached[1] and cached[0] - _KID_CACHE_SECONDS
                    + KEY_RECHECK_SECONDS <= at)):
            kids = {k["kid"]: k["alg"] for k in self.keyring.jwks(PROVIDER)["keys"]}
            cached = self._kids = (at + _KID_CACHE_SECONDS, kids)
            # Parsed keys of kids no longer published go: the cache stays as small as
            # the JWKS however many keys a long-lived process sees rotated out.
            for known in [k for k in list(self._keys) if k not in kids]:
                self._keys.pop(known, None)
        return cached[1]


class _Parts(NamedTuple):
    header: dict[str, Any]
    signing_input: bytes
    payload: bytes
    signature: bytes


def _b64(part: str) -> bytes:
    """base64url without padding (RFC 7515 section 2); raises ValueError otherwise."""
    if not _BASE64URL.fullmatch(part) or len(part) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _split(token: Any) -> _Parts:
    """The compact JWS decoded once: a header we accept (RFC 9068 section 4: ``typ``
    at+jwt; an allowed ``alg``; a ``kid``), the signing input, the payload bytes (not
    parsed before the signature verified) and the signature. Raises InvalidAccessToken."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidAccessToken("token missing or too long")
    pieces = token.split(".")
    if len(pieces) != 3:
        raise InvalidAccessToken("token is not a JWT")
    try:
        header = json.loads(_b64(pieces[0]))
        payload, signature = _b64(pieces[1]), _b64(pieces[2])
    except (ValueError, RecursionError) as exc:
        raise InvalidAccessToken("token is not a JWT") from exc
    if not isinstance(header, dict):
        raise InvalidAccessToken("token is not a JWT")
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in TYP_VALUES:
        raise InvalidAccessToken("typ must be at+jwt (RFC 9068 section 4)")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise InvalidAccessToken("algorithm not allowed")
    if not isinstance(header.get("kid"), str):
        raise InvalidAccessToken("token has no kid")
    # RFC 7515 section 4.1.11: a recipient MUST reject "crit" extensions it does not
    # understand (we understand none); RFC 7797 b64=false is not a token of ours.
    if "crit" in header or header.get("b64", True) is not True:
        raise InvalidAccessToken("unsupported header parameters")
    signing_input = (pieces[0] + "." + pieces[1]).encode("ascii")
    return _Parts(header, signing_input, payload, signature)


def _verify_es256(key: Any, signing_input: bytes, signature: bytes) -> None:
    """ES256 (RFC 7518 section 3.4: R || S, 32 bytes each) with ``cryptography`` on
    the parts already decoded; raises InvalidAccessToken."""
    if (len(signature) != 64 or not isinstance(key, ec.EllipticCurvePublicKey)
            or not isinstance(key.curve, ec.SECP256R1)):
        raise InvalidAccessToken("signature invalid")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                               int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, signing_input, _ES256)
    except InvalidSignature:
        raise InvalidAccessToken("signature invalid") from None


def _check_claims(claims: Any, issuer: str, audience: str | None, leeway: int,
                  verify_time: bool) -> dict[str, Any]:
    """RFC 9068 section 2.2's required claims and RFC 7519 section 4.1's checks (the
    rules pyjwt applied before, numbers stricter: a time is a JSON number);
    ``audience`` None skips aud, ``verify_time`` False skips exp, iat and nbf."""
    if not isinstance(claims, dict):
        raise InvalidAccessToken("the payload is not a JSON object")
    for name in ("sub", "client_id", "jti"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise InvalidAccessToken(f"{name} is required (RFC 9068 section 2.2)")
    if claims.get("iss") != issuer:
        raise InvalidAccessToken("iss is not the provider")
    for name in ("exp", "iat", *(("nbf",) if "nbf" in claims else ())):
        value = claims.get(name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise InvalidAccessToken(f"{name} must be a number of seconds")
    if verify_time:
        now = time.time()
        if claims["exp"] <= now - leeway:
            raise InvalidAccessToken("the token expired")
        if claims["iat"] > now + leeway or claims.get("nbf", 0) > now + leeway:
            raise InvalidAccessToken("the token is not valid yet")
    if audience is not None:
        aud = claims.get("aud")
        aud = [aud] if isinstance(aud, str) else aud
        if (not isinstance(aud, list) or not all(isinstance(a, str) for a in aud)
                or audience not in aud):
            raise InvalidAccessToken("the token is not for this audience")
    return claims


def _scopes(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, str):
        raise InvalidAccessToken("scope must be a space-separated string")
    return frozenset(value.split())


def scopes_needed(scopes: Iterable[str]) -> str:
    """The scope list for a WWW-Authenticate ``scope`` attribute."""
    return " ".join(sorted(scopes))
