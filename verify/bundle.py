"""The offline bundle: trust list, keys and current status lists in one signed JWT,
so a verifier with no network can still decide, and say how old its knowledge is.

Claims: ``iss``, ``iat`` (issued_at), ``max_age`` (seconds), ``trust_list`` (the
trust list claims), ``status_lists`` (uri -> ``statuslist+jwt`` text) and
``provider_jwks``. Status lists are evaluated as of ``iat``; how stale that may be
is the bundle's ``max_age`` to decide, not the lists' own ``exp``.

``public_reasons`` (since 2026-11; a verifier that does not know it ignores it, and a
bundle without it has no reasons) says why a revoked or suspended licence is so, as
the online verification does: ``{"v": 1, "labels": {code: {"zh", "en"}}, "lists":
{uri: {code: [idx, ...]}}}`` -- the public reason's code and labels only, never the
issuer's internal reason nor the note. A verifier reads it only for a licence its
status list says is revoked or suspended; another ``v`` is a shape it does not know,
and it shows no reason rather than guess.

The signature is checked with the provider key the caller pins (``--provider-jwks``)
or, failing that, the one saved when the bundle was fetched: the first fetch is
trust on first use, which the CLI says.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from credentials import public_reasons
from credentials.formats import jws
from credentials.formats.errors import FormatError
from keys.jwk import public_key_from_jwk
from verify import trust_list
from verify.errors import StatusUnavailable
from verify.sources import InMemoryTrustSource

TYP = "onegate-bundle+jwt"
#: The version of the ``public_reasons`` claim's shape this code writes and reads.
REASONS_VERSION = 1
DEFAULT_MAX_AGE = 86400
ALGORITHMS = ("ES256", "EdDSA", "RS256")


class BundleError(Exception):
    """The bundle cannot be read or its signature does not verify."""


class BundleStale(BundleError):
    """Older than its max-age."""


def claims(*, base: str, now: int, max_age: int, trust: dict[str, Any],
           status_lists: dict[str, str], provider_jwks: dict[str, Any],
           reasons: dict[str, dict[str, list[int]]] | None = None) -> dict[str, Any]:
    """The bundle's claims; ``reasons`` is uri -> public reason code -> indexes."""
    return {"iss": base, "iat": now, "max_age": max_age, "trust_list": trust,
            "status_lists": status_lists, "provider_jwks": provider_jwks,
            "public_reasons": {"v": REASONS_VERSION, "labels": {
                code: {"zh": zh, "en": en} for code, (zh, en) in public_reasons.REASONS.items()},
                "lists": reasons or {}}}


def sign(keyring: Any, bundle_claims: dict[str, Any]) -> str:
    return keyring.sign_jwt(trust_list.SIGNING_OWNER, trust_list.SIGNING_ALG, bundle_claims,
                            headers={"typ": TYP})


class SignedBundles:
    """The last signed bundle of this worker, reused while its content (everything but
    ``iat``) is unchanged and it is younger than ``reuse_for`` seconds: repeated fetches
    then get the same bytes and ETag (a 304 to ``If-None-Match``) and cost no signature,
    and the ``iat`` a verifier shows as "data as of" understates freshness by at most
    ``reuse_for`` seconds. A change (a revocation, a key, a department) signs anew."""

    def __init__(self, reuse_for: int = 300) -> None:
        self._reuse_for = reuse_for
        self._lock = threading.Lock()
        self._last: tuple[str, int, str, str] | None = None  # content hash, iat, token, etag

    def get(self, keyring: Any, bundle_claims: dict[str, Any]) -> tuple[str, str]:
        """(token, strong ETag) for these claims. Raises keys.NoActiveKey."""
        content = {k: v for k, v in bundle_claims.items() if k not in ("iat", "trust_list")}
        trust = {k: v for k, v in bundle_claims["trust_list"].items() if k not in ("iat", "exp")}
        digest = hashlib.sha256(json.dumps([content, trust], sort_keys=True).encode()).hexdigest()
        now = bundle_claims["iat"]
        with self._lock:
            last = self._last
            if last and last[0] == digest and 0 <= now - last[1] < self._reuse_for:
                return last[2], last[3]
        token = sign(keyring, bundle_claims)
        etag = '"' + hashlib.sha256(token.encode("ascii")).hexdigest()[:32] + '"'
        with self._lock:
            self._last = (digest, now, token, etag)
        return token, etag


@dataclass
class BundleStatusSource:
    """StatusSource over the bundle's lists, evaluated as of the bundle's ``iat``."""

    tokens: dict[str, str]
    as_of: int

    def fetch(self, uri: str) -> str:
        token = self.tokens.get(uri)
        if not isinstance(token, str):
            raise StatusUnavailable("the bundle has no status list for this licence")
        return token


@dataclass(frozen=True)
class Reasons:
    """The bundle's public reasons: (uri, idx) -> code, and code -> (zh, en) labels."""

    codes: dict[tuple[str, int], str]
    labels: dict[str, tuple[str, str]]

    def of(self, reference: tuple[int, str] | None) -> dict[str, Any] | None:
        """The public reason of the status entry ``(idx, uri)`` as the online check
        gives it (``note`` always None: the bundle carries none), or None."""
        if reference is None:
            return None
        idx, uri = reference
        code = self.codes.get((uri, idx))
        if code is None:
            return None
        zh, en = self.labels.get(code, (code, code))
        return {"code": code, "label_zh": zh, "label_en": en, "note": None}


@dataclass
class Bundle:
    issued_at: int
    max_age: int
    trust: InMemoryTrustSource
    status: BundleStatusSource
    pinned: bool
    reasons: Reasons = field(default_factory=lambda: Reasons({}, {}))

    def age(self, now: int) -> int:
        return now - self.issued_at

    def check_fresh(self, now: int, max_age_override: int | None = None) -> None:
        """Raises BundleStale when older than its (or the overriding) max-age."""
        limit = self.max_age if max_age_override is None else max_age_override
        if self.age(now) > limit:
            raise BundleStale(f"the offline bundle is {describe_age(self.age(now))} old, "
                              f"older than its max-age of {describe_age(limit)}")


def load(text: str, provider_jwks: dict[str, Any] | None = None) -> Bundle:
    """Read a bundle file (the JWT, or the JSON ``fetch`` writes) and verify it.

    Raises BundleError.
    """
    token, saved_jwks = _split(text)
    pinned = provider_jwks is not None
    jwks = provider_jwks if pinned else saved_jwks
    try:
        header, _ = jws.unverified_parts(token)
        if header.get("typ") != TYP:
            raise BundleError(f"not an offline bundle (typ must be {TYP})")
        if jwks is None:
            _, payload = jws.unverified_parts(token)
            jwks = payload.get("provider_jwks")
        key = _key(jwks, header.get("kid"))
        _, payload = jws.verify(token, public_key=key, algorithms=ALGORITHMS)
        return _bundle(payload, pinned)
    except FormatError as exc:
        raise BundleError(f"the bundle does not verify ({exc.code})") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"malformed bundle ({exc})") from exc


def _split(text: str) -> tuple[str, dict[str, Any] | None]:
    text = text.strip()
    if not text.startswith("{"):
        return text, None
    try:
        wrapper = json.loads(text)
        return wrapper["bundle"], wrapper.get("provider_jwks")
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleError("a JSON bundle file holds {bundle, provider_jwks}") from exc


def _key(jwks: Any, kid: Any):
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    found = next((k for k in keys or [] if isinstance(k, dict) and k.get("kid") == kid), None)
    if found is None:
        raise BundleError("the bundle is not signed by a known provider key")
    return public_key_from_jwk(found)


def _bundle(payload: dict[str, Any], pinned: bool) -> Bundle:
    issued_at, max_age = payload["iat"], payload["max_age"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (issued_at, max_age)):
        raise BundleError("iat and max_age must be integers")
    lists = payload["status_lists"]
    if not isinstance(lists, dict):
        raise BundleError("status_lists must be an object")
    return Bundle(issued_at, max_age, trust_list.trust_source(payload["trust_list"]),
                  BundleStatusSource(lists, issued_at), pinned,
                  _reasons(payload.get("public_reasons")))


def _reasons(claim: Any) -> Reasons:
    """The ``public_reasons`` claim read (none when absent or of another version).

    Raises BundleError for a version-1 claim of the wrong shape."""
    if not isinstance(claim, dict) or claim.get("v") != REASONS_VERSION:
        return Reasons({}, {})
    labels, lists = claim.get("labels"), claim.get("lists")
    if not isinstance(labels, dict) or not isinstance(lists, dict):
        raise BundleError("public_reasons must hold labels and lists")
    codes: dict[tuple[str, int], str] = {}
    shape = BundleError("public_reasons.lists maps uri -> code -> [index]")
    for uri, by_code in lists.items():
        if not isinstance(by_code, dict):
            raise shape
        for code, indexes in by_code.items():
            if not isinstance(indexes, list) or not all(
                    isinstance(i, int) and not isinstance(i, bool) for i in indexes):
                raise shape
            codes.update({(uri, i): code for i in indexes})
    return Reasons(codes, {code: (str(label.get("zh", code)), str(label.get("en", code)))
                           for code, label in labels.items() if isinstance(label, dict)})


def describe_age(seconds: int) -> str:
    """``2d 3h``, ``5h 2m``, ``40s``: ages a clerk reads at a glance."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"
