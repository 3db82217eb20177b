"""The verification pipeline: one ordered list of ``check_*`` steps.

    parse -> issuer_trusted -> algorithm -> key -> signature -> time -> status
          -> disclosures -> key_binding

Each step either returns a short note (recorded as passed; English, or an
``(english, chinese)`` pair) or raises a ``verify.errors.VerificationFailed`` naming
itself, its verdict and a reason in English and Chinese; the first failure ends the
run. Once the signature has verified, the result names the licence - also when a
later step rejects it (revoked, suspended, expired), so the clerk knows whose licence
was refused; never before. There is no way to leave a step out: ``Verifier.verify``
always runs ``PIPELINE`` whole. Pure: no Flask, no SQLAlchemy; the outside world
comes in through ``verify.sources`` interfaces.
"""

from __future__ import annotations

import functools
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
from verify import errors, labels
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
MAX_CACHED_KEYS = 1024
#: Licence identifiers kept parsed per Verifier (a verified identifier recurs: the same
#: licence is shown at many windows); bounded, cleared when full.
MAX_CACHED_IDENTIFIERS = 4096
#: Passed checks kept per Verifier (see ``Verifier.passed``).
MAX_CACHED_CHECKS = 4096
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
    status_reference: tuple[int, str] | None = None


class Verifier:
    """Verifies licences against one trust source and one status source.

    The constructor only stores its arguments (raises ValueError for an algorithm
    outside ES256/EdDSA/RS256); nothing is fetched before the first ``verify``.
    ``unavailable`` names the sources' errors that ``verify`` raises rather than
    turning them into an ``invalid`` verdict.
    """

    def __init__(self, *, trust: TrustSource, status: StatusSource,
                 references: ReferenceResolver | None = None,
                 clock: Callable[[], float] = time.time, leeway: int = DEFAULT_LEEWAY,
                 algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS,
                 unavailable: tuple[type[Exception], ...] = ()) -> None:
        unknown = set(algorithms) - set(DEFAULT_ALGORITHMS + OPTIONAL_ALGORITHMS)
        if unknown or not algorithms:
            raise ValueError(f"unsupported algorithms {sorted(unknown)}")
        self.trust, self.clock, self.leeway = trust, clock, int(leeway)
        self.references = references or NoReferences()
        self.algorithms = tuple(algorithms)
        # Errors of the sources that say "cannot verify now" (their storage is down),
        # not "this licence is bad": raised to the caller instead of becoming a verdict.
        self.unavailable = tuple(unavailable)
        self.statuses = StatusCache(status, self.algorithms)
        self._keys: dict[str, tuple[dict[str, Any], Any]] = {}
        self._identifiers: dict[str, Any] = {}
        self._checks: dict[tuple[str, str | tuple[str, str]], Check] = {}

    def verify(self, text: str, *, key_binding: KeyBindingRequest | None = None
               ) -> VerificationResult:
        """Run every step on ``text``; never raises for bad input. Raises the sources'
        ``unavailable`` errors (a verdict cannot be given while they are down)."""
        state = _State(text=text, verifier=self, now=int(self.clock()), key_binding=key_binding)
        checks: list[Check] = []
        for name, step in PIPELINE:
            try:
                checks.append(self.passed(name, step(state)))
            except errors.VerificationFailed as exc:
                return _failed(state, checks, name, exc)
            except self.unavailable:
                raise
            except Exception:  # noqa: BLE001 - hostile input must give a verdict, not a 500
                log.exception("verification step %s failed unexpectedly", name)
                return _failed(state, checks, name, errors.Malformed("unreadable input"))
        return VerificationResult(True, "valid", tuple(checks), state.licence,
                                  state.presentation.form,
                                  status_reference=state.status_reference)

    def public_key(self, jwk: dict[str, Any]) -> Any:
        """Parsed once per key and cached by kid, kept while the published JWK is equal
        member for member (new key material under an old kid is parsed again); raises
        ValueError."""
        kid = str(jwk.get("kid"))
        cached = self._keys.get(kid)
        if cached is not None and cached[0] == jwk:
            return cached[1]
        required_members(jwk)  # ValueError for an incomplete JWK, before parsing
        key = public_key_from_jwk(jwk)
        if len(self._keys) >= MAX_CACHED_KEYS:  # bounded: published keys are few
            self._keys.clear()
        self._keys[kid] = (dict(jwk), key)
        return key

    def passed(self, name: str, note: str | tuple[str, str]) -> Check:
        """The passed Check of step ``name`` with ``note``, built once per (step, note):
        a Check is immutable and one issuer's notes repeat (its kid, name, form).
        Bounded, cleared when full."""
        check = self._checks.get((name, note))
        if check is None:
            check = _passed(name, note)
            if len(self._checks) >= MAX_CACHED_CHECKS:
                self._checks.clear()
            self._checks[(name, note)] = check
        return check

    def licence_id(self, text: str) -> Any:
        """``identifiers.parse_license_id(text, strict=False)``, kept per text (bounded;
        only successful parses are kept). Raises InvalidIdentifier or TypeError."""
        parsed = self._identifiers.get(text)
        if parsed is None:
            parsed = parse_license_id(text, strict=False)
            if len(self._identifiers) >= MAX_CACHED_IDENTIFIERS:
                self._identifiers.clear()
            self._identifiers[text] = parsed
        return parsed


def _passed(name: str, note: str | tuple[str, str]) -> Check:
    english, chinese = (note, "") if isinstance(note, str) else note
    return Check(name, True, english, chinese or labels.STEPS.get(name, name) + "通过")


#: Verdicts for a licence whose signature verified but which is not valid now: the
#: result still says whose licence it is.
_IDENTIFIED = ("revoked", "suspended", "expired", "not_yet_valid")


def _failed(state: _State, checks: list[Check], name: str,
            exc: errors.VerificationFailed) -> VerificationResult:
    checks.append(Check(name, False, exc.reason, exc.reason_zh))
    done = {check.step for check in checks}
    checks += [Check(step, None, "not reached", "未执行") for step, _ in PIPELINE
               if step not in done]
    form = state.presentation.form if state.presentation else None
    if state.licence and exc.status in _IDENTIFIED and "claims" not in state.licence:
        _identify(state)
    return VerificationResult(False, exc.status, tuple(checks), state.licence or None, form,
                              failed_step=name, status_reference=state.status_reference)


# -- the steps ----------------------------------------------------------------------


def _identify(state: _State) -> None:
    """Add the holder to a signed licence refused after the signature step. Only claims
    whose Disclosures match the signed digests are used; if they do not, the licence is
    named by its signed identifier and type alone."""
    try:
        claims = state.presentation.disclosed_claims()
    except Exception:  # noqa: BLE001 - the verdict stands; only the naming is lost
        return
    _set_claims(state, claims)


def _set_claims(state: _State, claims: dict[str, Any]) -> None:
    titles = state.issuer.claim_titles.get(state.licence.get("type") or "", {})
    state.licence["claims"] = claims
    state.licence["holder_name"] = claims.get("holder_name")
    state.licence["display"] = labels.display(claims, titles)


def check_parse(state: _State) -> str | tuple[str, str]:
    """Detect the form (SD-JWT VC, offline QR, online reference URL) and parse it."""
    text = state.text.strip() if isinstance(state.text, str) else None
    if not text:
        raise errors.Malformed("empty input")
    if len(text) > MAX_TEXT:
        raise errors.Malformed(f"input longer than {MAX_TEXT} characters")
    resolver = state.verifier.references
    reference = _reference(text, getattr(resolver, "origin", None))
    if reference is not None:
        text = resolver.resolve(*reference)
    state.presentation = _parse_form(text)
    if reference is not None and state.presentation.identifier() != reference[0]:
        raise errors.ReferenceUnresolved("the referenced licence carries another identifier",
                                         "证照链接指向的证照标识不一致")
    form_zh = {"sd_jwt_vc": "SD-JWT VC 电子证照", "offline_qr": "离线二维码"}.get(
        state.presentation.form, state.presentation.form)
    if reference:
        return (state.presentation.form + " via online reference", form_zh + "（经证照链接）")
    return state.presentation.form, form_zh


def _reference(text: str, origin: str | None) -> tuple[str, str] | None:
    """(identifier, token) of a reference URL, None for other text. With ``origin`` (the
    service's ISSUER), a URL on any other origin is refused: only our own references
    are resolved, and a look-alike host must not borrow a genuine verdict."""
    if not text.lower().startswith(("https://", "http://")):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise errors.Malformed("an unreadable URL", "无法识别的链接") from exc
    if origin is not None and _origin(parts.scheme, parts.hostname, port) != _origin_of(origin):
        raise errors.ForeignReference(
            f"the reference URL is not on this service ({parts.scheme}://{parts.netloc} "
            f"is not {origin.rstrip('/')})",
            f"证照链接不属于本系统（{parts.netloc} 不是 {urlsplit(origin).netloc}），不能据此核验")
    match = _REFERENCE_PATH.fullmatch(parts.path)
    tokens = parse_qs(parts.query).get("t")
    if not match or not tokens:
        raise errors.Malformed("a URL that is not a licence reference (/v/<identifier>?t=)",
                               "不是证照链接（应为 /v/<证照标识>?t=…）")
    return match.group(1), tokens[0]


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(scheme: str, host: str | None, port: int | None) -> tuple[str, str, int | None]:
    scheme = scheme.lower()
    return scheme, (host or "").lower().rstrip("."), port or _DEFAULT_PORTS.get(scheme)


def _origin_of(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return _origin(parts.scheme, parts.hostname, parts.port)


def _parse_form(text: str) -> Presentation:
    if text.startswith("LIC1:"):
        return OfflinePresentation.parse(text)
    if "~" in text:
        return SdJwtPresentation.parse(text)
    raise errors.Malformed("neither an SD-JWT VC, an offline code (LIC1:) nor a reference URL",
                           "无法识别：既不是 SD-JWT VC 电子证照、离线码（LIC1:），也不是证照链接")


def check_issuer_trusted(state: _State) -> tuple[str, str]:
    """The issuer is in the trust list and may issue this licence type."""
    presented = state.presentation
    issuer = presented.trusted_issuer(state.verifier.trust)
    if issuer is None:
        raise errors.UntrustedIssuer(f"issuer {presented.iss!r} is not in the trust list",
                                     f"签发机构 {presented.iss} 不在信任列表中")
    type_code, identifier = presented.type_code(), presented.identifier()
    if not type_code:
        raise errors.Malformed("the licence names no type", "证照未注明类型")
    _check_identifier(state.verifier, identifier, type_code, issuer)
    if type_code not in issuer.licence_types:
        raise errors.TypeNotAllowed(f"{issuer.name} may not issue licence type {type_code}",
                                    f"{issuer.name}无权签发此类证照（{type_code}）")
    state.issuer = issuer
    type_name = issuer.type_names.get(type_code) or type_code
    return f"{issuer.name} may issue {type_code}", f"{issuer.name}有权签发{type_name}"


def _check_identifier(verifier: Verifier, identifier: Any, type_code: str,
                      issuer: TrustedIssuer) -> None:
    if not isinstance(identifier, str):
        raise errors.Malformed("the licence carries no identifier", "证照没有证照标识")
    try:
        parsed = verifier.licence_id(identifier)
    except (InvalidIdentifier, TypeError) as exc:
        raise errors.Malformed(f"bad licence identifier ({exc})", "证照标识格式错误") from exc
    if parsed.type_code != type_code:
        raise errors.Malformed("the identifier's type code differs from the licence type",
                               "证照标识中的类型代码与证照类型不一致")
    if issuer.uscc and parsed.issuer_code != issuer.uscc:
        raise errors.TypeNotAllowed("the identifier names another issuer's credit code",
                                    "证照标识中的签发机构代码属于另一机构")


def check_algorithm(state: _State) -> tuple[str, str]:
    alg = state.presentation.alg
    if alg not in state.verifier.algorithms:
        raise errors.AlgorithmNotAllowed(f"algorithm {alg!r} is not allowed",
                                         f"不允许的签名算法 {alg}")
    return alg, f"签名算法 {alg}"


def check_key(state: _State) -> tuple[str, str]:
    """The kid is one of the issuer's published keys (revoked keys are not published)."""
    kid = state.presentation.kid
    jwk = state.issuer.key(kid) if isinstance(kid, str) else None
    if jwk is None:
        raise errors.KeyNotFound(f"key {kid!r} is not published by {state.issuer.name} "
                                 "(unknown or revoked)",
                                 f"签名密钥不是{state.issuer.name}公布的有效密钥（未知或已吊销）")
    if jwk.get("alg") not in (None, state.presentation.alg):
        raise errors.KeyNotFound("the key is published for another algorithm",
                                 "签名密钥公布的算法与签名不符")
    try:
        state.public_key = state.verifier.public_key(jwk)
    except ValueError as exc:
        raise errors.KeyNotFound("the published key is unusable", "公布的签名密钥不可用") from exc
    return f"kid {kid}", f"{state.issuer.name}的签名密钥 {kid}"


def check_signature(state: _State) -> tuple[str, str]:
    presented = state.presentation
    try:
        presented.verify_signature(state.public_key, presented.alg)
    except FormatError as exc:
        raise errors.BadSignature(f"signature does not verify ({exc.code})") from exc
    type_code = presented.type_code()
    state.licence = {"identifier": presented.identifier(), "type": type_code,
                     "type_name": state.issuer.type_names.get(type_code),
                     "issuer": presented.iss, "issuer_name": state.issuer.name,
                     "issuer_code": state.issuer.code}
    return "signature verified", "数字签名有效"


def check_time(state: _State) -> tuple[str, str]:
    """iat, nbf and exp against the clock, with the one configured leeway."""
    times, now, leeway = state.presentation.times(), state.now, state.verifier.leeway
    for name in ("iat", "nbf", "exp"):
        value = times[name]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise errors.InvalidTime(f"{name} is not a NumericDate", "证照的时间信息格式错误")
    if times["exp"] is None:
        raise errors.InvalidTime("exp is required", "证照缺少有效期截止时间")
    state.licence.update({k: v for k, v in times.items() if v is not None})
    if times["iat"] is not None and times["iat"] > now + leeway:
        raise errors.NotYetValid("issued in the future", "签发时间晚于当前时间")
    if times["nbf"] is not None and now < times["nbf"] - leeway:
        raise errors.NotYetValid("not valid before " + _iso(times["nbf"]),
                                 "证照自 " + _beijing(times["nbf"]) + " 起生效")
    if now >= times["exp"] + leeway:
        raise errors.Expired("expired at " + _iso(times["exp"]),
                             "证照已于 " + _beijing(times["exp"]) + " 过期")
    return "valid until " + _iso(times["exp"]), "有效期至 " + _beijing(times["exp"])


@functools.lru_cache(maxsize=4096)  # a licence's times recur with every verification
def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@functools.lru_cache(maxsize=4096)
def _beijing(epoch: int) -> str:
    """Beijing time (UTC+8, no daylight saving), as clerks read dates."""
    return time.strftime("%Y年%m月%d日 %H:%M", time.gmtime(epoch + 8 * 3600)) + "（北京时间）"


def check_status(state: _State) -> str | tuple[str, str]:
    """Token Status List: 0 valid, 1 revoked, 2 suspended."""
    reference = state.presentation.status_reference()
    if reference is None:
        return "the licence carries no status reference", "证照未登记状态列表"
    idx, uri = reference
    if isinstance(idx, bool) or not isinstance(idx, int) or not isinstance(uri, str):
        raise errors.StatusUnavailable("malformed status reference", "证照的状态引用格式错误")
    status_list = state.verifier.statuses.get(state.issuer, uri, state.now)
    state.status_reference = (idx, uri)
    try:
        value = status_list.get(idx)
    except FormatError as exc:
        raise errors.StatusUnavailable("status index outside the list",
                                       "证照的状态编号超出状态列表") from exc
    if value == 1:
        raise errors.Revoked("revoked by the issuer")
    if value == 2:
        raise errors.Suspended("suspended by the issuer")
    if value != 0:
        raise errors.StatusUnavailable(f"unknown status value {value}", "未知的证照状态")
    return "not revoked or suspended", "未被吊销或暂停"


def check_disclosures(state: _State) -> tuple[str, str]:
    """Every Disclosure's digest is in the signed payload, none twice."""
    try:
        claims = state.presentation.disclosed_claims()
    except FormatError as exc:
        raise errors.BadDisclosure(f"Disclosures do not match the signature ({exc.code})") \
            from exc
    _set_claims(state, claims)
    return f"{len(claims)} claims", f"披露 {len(claims)} 项信息"


def check_key_binding(state: _State) -> str | tuple[str, str]:
    try:
        note = state.presentation.check_key_binding(state.key_binding, state.now)
        if state.key_binding is None:
            return note, "未要求持有人绑定"
        return note, "持有人绑定已验证"
    except FormatError as exc:
        raise errors.KeyBindingFailed(f"key binding failed ({exc.code})") from exc


PIPELINE: tuple[tuple[str, Callable[[_State], str | tuple[str, str]]], ...] = (
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
