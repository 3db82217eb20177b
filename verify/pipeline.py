"""The verification pipeline: one ordered list of ``check_*`` steps.

    parse -> issuer_trusted -> algorithm -> key -> signature -> time -> status
          -> disclosures -> key_binding

Each step either returns a short note (recorded as passed) or raises a
``verify.errors.VerificationFailed`` naming itself, its verdict and a reason; the
first failure ends the run. There is no way to leave a step out: ``Verifier.verify``
always runs ``PIPELINE`` whole. Pure: no Flask, no SQLAlchemy; the outside world
comes in through ``verify.sources`` interfaces.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from credentials.formats.errors import FormatError
from identifiers import InvalidIdentifier, parse_license_id
from keys.jwk import public_key_from_jwk, required_members
from verify import errors
from verify.presentations import (
    KeyBindingRequest,
    OfflinePresentation,
    Presentation,
    SdJwtPresentation,
)
from verify.result import Check, VerificationResult
from verify.sources import NoReferences, ReferenceResolver, StatusSource, TrustedIssuer, TrustSource
from verify.status_cache import StatusCache

log = logging.getLogger("onegate.verify")

MAX_TEXT = 64 * 1024
DEFAULT_ALGORITHMS = ("ES256", "EdDSA")
OPTIONAL_ALGORITHMS = ("RS256",)
DEFAULT_LEEWAY = 60
_REFERENCE_PATH = re.compile(r"/v/([0-9A-Za-z.]{1,200})/?")


@dataclass
class _State:
    """What the steps learn as they go."""

    text: str
    verifier: Verifier
    now: int
    key_binding: KeyBindingRequest | None
    presentation: Presentation | None = None
    issuer: TrustedIssuer | None = None
    public_key: Any = None
    licence: dict[str, Any] = field(default_factory=dict)


class Verifier:
    """Verifies licences against one trust source and one status source.

    The constructor only stores its arguments (raises ValueError for an algorithm
    outside ES256/EdDSA/RS256); nothing is fetched before the first ``verify``.
    """

    def __init__(self, *, trust: TrustSource, status: StatusSource,
                 references: ReferenceResolver | None = None,
                 clock: Callable[[], float] = time.time, leeway: int = DEFAULT_LEEWAY,
                 algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS) -> None:
        unknown = set(algorithms) - set(DEFAULT_ALGORITHMS + OPTIONAL_ALGORITHMS)
        if unknown or not algorithms:
            raise ValueError(f"unsupported algorithms {sorted(unknown)}")
        self.trust, self.clock, self.leeway = trust, clock, int(leeway)
        self.references = references or NoReferences()
        self.algorithms = tuple(algorithms)
        self.statuses = StatusCache(status, self.algorithms)
        self._keys: dict[tuple[str, ...], Any] = {}

    def verify(self, text: str, *, key_binding: KeyBindingRequest | None = None
               ) -> VerificationResult:
        """Run every step on ``text``; never raises for bad input."""
        state = _State(text=text, verifier=self, now=int(self.clock()), key_binding=key_binding)
        checks: list[Check] = []
        for name, step in PIPELINE:
            try:
                checks.append(Check(name, True, step(state)))
            except errors.VerificationFailed as exc:
                return _failed(state, checks, name, exc)
            except Exception:  # noqa: BLE001 - hostile input must give a verdict, not a 500
                log.exception("verification step %s failed unexpectedly", name)
                return _failed(state, checks, name, errors.Malformed("unreadable input"))
        return VerificationResult(True, "valid", tuple(checks), state.licence,
                                  state.presentation.form)

    def public_key(self, jwk: dict[str, Any]) -> Any:
        """Parsed once per key and cached by kid plus key material; raises ValueError."""
        cache_key = (str(jwk.get("kid")), *sorted(required_members(jwk).items()))
        key = self._keys.get(cache_key)
        if key is None:
            key = self._keys[cache_key] = public_key_from_jwk(jwk)
        return key


def _failed(state: _State, checks: list[Check], name: str,
            exc: errors.VerificationFailed) -> VerificationResult:
    checks.append(Check(name, False, exc.reason))
    done = {check.step for check in checks}
    checks += [Check(step, None, "not reached") for step, _ in PIPELINE if step not in done]
    form = state.presentation.form if state.presentation else None
    return VerificationResult(False, exc.status, tuple(checks), state.licence or None, form,
                              failed_step=name)


# -- the steps ----------------------------------------------------------------------


def check_parse(state: _State) -> str:
    """Detect the form (SD-JWT VC, offline QR, online reference URL) and parse it."""
    text = state.text.strip() if isinstance(state.text, str) else None
    if not text:
        raise errors.Malformed("empty input")
    if len(text) > MAX_TEXT:
        raise errors.Malformed(f"input longer than {MAX_TEXT} characters")
    reference = _reference(text)
    if reference is not None:
        text = state.verifier.references.resolve(*reference)
    state.presentation = _parse_form(text)
    if reference is not None and state.presentation.identifier() != reference[0]:
        raise errors.ReferenceUnresolved("the referenced licence carries another identifier")
    return state.presentation.form + (" via online reference" if reference else "")


def _reference(text: str) -> tuple[str, str] | None:
    if not text.startswith(("https://", "http://")):
        return None
    parts = urlsplit(text)
    match = _REFERENCE_PATH.fullmatch(parts.path)
    tokens = parse_qs(parts.query).get("t")
    if not match or not tokens:
        raise errors.Malformed("a URL that is not a licence reference (/v/<identifier>?t=)")
    return match.group(1), tokens[0]


def _parse_form(text: str) -> Presentation:
    if text.startswith("LIC1:"):
        return OfflinePresentation.parse(text)
    if "~" in text:
        return SdJwtPresentation.parse(text)
    raise errors.Malformed("neither an SD-JWT VC, an offline code (LIC1:) nor a reference URL")


def check_issuer_trusted(state: _State) -> str:
    """The issuer is in the trust list and may issue this licence type."""
    presented = state.presentation
    issuer = state.verifier.trust.issuer(presented.iss)
    if issuer is None:
        raise errors.UntrustedIssuer(f"issuer {presented.iss!r} is not in the trust list")
    type_code, identifier = presented.type_code(), presented.identifier()
    if not type_code:
        raise errors.Malformed("the licence names no type")
    _check_identifier(identifier, type_code, issuer)
    if type_code not in issuer.licence_types:
        raise errors.TypeNotAllowed(f"{issuer.name} may not issue licence type {type_code}")
    state.issuer = issuer
    return f"{issuer.name} may issue {type_code}"


def _check_identifier(identifier: Any, type_code: str, issuer: TrustedIssuer) -> None:
    if not isinstance(identifier, str):
        raise errors.Malformed("the licence carries no identifier")
    try:
        parsed = parse_license_id(identifier, strict=False)
    except (InvalidIdentifier, TypeError) as exc:
        raise errors.Malformed(f"bad licence identifier ({exc})") from exc
    if parsed.type_code != type_code:
        raise errors.Malformed("the identifier's type code differs from the licence type")
    if issuer.uscc and parsed.issuer_code != issuer.uscc:
        raise errors.TypeNotAllowed("the identifier names another issuer's credit code")


def check_algorithm(state: _State) -> str:
    alg = state.presentation.alg
    if alg not in state.verifier.algorithms:
        raise errors.AlgorithmNotAllowed(f"algorithm {alg!r} is not allowed")
    return alg


def check_key(state: _State) -> str:
    """The kid is one of the issuer's published keys (revoked keys are not published)."""
    kid = state.presentation.kid
    jwk = state.issuer.key(kid) if isinstance(kid, str) else None
    if jwk is None:
        raise errors.KeyNotFound(f"key {kid!r} is not published by {state.issuer.name} "
                                 "(unknown or revoked)")
    if jwk.get("alg") not in (None, state.presentation.alg):
        raise errors.KeyNotFound("the key is published for another algorithm")
    try:
        state.public_key = state.verifier.public_key(jwk)
    except ValueError as exc:
        raise errors.KeyNotFound("the published key is unusable") from exc
    return f"kid {kid}"


def check_signature(state: _State) -> str:
    presented = state.presentation
    try:
        presented.verify_signature(state.public_key, presented.alg)
    except FormatError as exc:
        raise errors.BadSignature(f"signature does not verify ({exc.code})") from exc
    state.licence = {"identifier": presented.identifier(), "type": presented.type_code(),
                     "type_name": state.issuer.type_names.get(presented.type_code()),
                     "issuer": presented.iss, "issuer_name": state.issuer.name,
                     "issuer_code": state.issuer.code}
    return "signature verified"


def check_time(state: _State) -> str:
    """iat, nbf and exp against the clock, with the one configured leeway."""
    times, now, leeway = state.presentation.times(), state.now, state.verifier.leeway
    for name in ("iat", "nbf", "exp"):
        value = times[name]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise errors.InvalidTime(f"{name} is not a NumericDate")
    if times["exp"] is None:
        raise errors.InvalidTime("exp is required")
    state.licence.update({k: v for k, v in times.items() if v is not None})
    if times["iat"] is not None and times["iat"] > now + leeway:
        raise errors.NotYetValid("issued in the future")
    if times["nbf"] is not None and now < times["nbf"] - leeway:
        raise errors.NotYetValid("not valid before " + _iso(times["nbf"]))
    if now >= times["exp"] + leeway:
        raise errors.Expired("expired at " + _iso(times["exp"]))
    return "valid until " + _iso(times["exp"])


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def check_status(state: _State) -> str:
    """Token Status List: 0 valid, 1 revoked, 2 suspended."""
    reference = state.presentation.status_reference()
    if reference is None:
        return "the licence carries no status reference"
    idx, uri = reference
    if isinstance(idx, bool) or not isinstance(idx, int) or not isinstance(uri, str):
        raise errors.StatusUnavailable("malformed status reference")
    status_list = state.verifier.statuses.get(state.issuer, uri, state.now)
    try:
        value = status_list.get(idx)
    except FormatError as exc:
        raise errors.StatusUnavailable("status index outside the list") from exc
    if value == 1:
        raise errors.Revoked("revoked by the issuer")
    if value == 2:
        raise errors.Suspended("suspended by the issuer")
    if value != 0:
        raise errors.StatusUnavailable(f"unknown status value {value}")
    return "not revoked or suspended"


def check_disclosures(state: _State) -> str:
    """Every Disclosure's digest is in the signed payload, none twice."""
    try:
        claims = state.presentation.disclosed_claims()
    except FormatError as exc:
        raise errors.BadDisclosure(f"Disclosures do not match the signature ({exc.code})") \
            from exc
    state.licence["claims"] = claims
    return f"{len(claims)} claims"


def check_key_binding(state: _State) -> str:
    try:
        return state.presentation.check_key_binding(state.key_binding, state.now)
    except FormatError as exc:
        raise errors.KeyBindingFailed(f"key binding failed ({exc.code})") from exc


PIPELINE: tuple[tuple[str, Callable[[_State], str]], ...] = (
    ("parse", check_parse),
    ("issuer_trusted", check_issuer_trusted),
    ("algorithm", check_algorithm),
    ("key", check_key),
    ("signature", check_signature),
    ("time", check_time),
    ("status", check_status),
    ("disclosures", check_disclosures),
    ("key_binding", check_key_binding),
)
