"""JSON API: verify, trust list, offline bundle, holder licences with consent, uses.

CSRF-exempt (no cookies authenticate these endpoints); every error is RFC 9457.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from credentials.formats import strict_json
from credentials.formats.errors import InvalidJson
from credentials.models import Licence
from credentials.routes import Routes
from verify import auth, bundle, circumstances, images, trust_list, uses, verifiers
from verify.pipeline import MAX_TEXT
from verify.presentations import KeyBindingRequest
from verify.problems import Problem, field_error, typed
from verify.ratelimit import RateLimited, Unavailable
from verify.services import VerifyServices

routes = Routes()
LICENCE_SCOPE = "licenses:read:"
MAX_JSON_BODY = MAX_TEXT + 4096
STAFF_HEADER = "X-Onegate-Staff"
DEFAULT_LIMIT, MAX_LIMIT = uses.DEFAULT_LIMIT, uses.MAX_LIMIT
MAX_OFFSET = 10_000_000
FORMATS = ("json",)


def blueprint(services: VerifyServices) -> Blueprint:
    """The JSON API, its views closed over ``services``; errors are problems."""
    bp = Blueprint("verify_api", __name__, url_prefix="/api/v1")
    types = services.problem_types

    @bp.errorhandler(Problem)
    def _problem(exc: Problem) -> Response:
        return exc.response(types)

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        return types.from_http_exception(exc)

    return routes.bind(bp, services)


# -- verification ------------------------------------------------------------------


@routes.post("/verify")
def verify_licence(s: VerifyServices):
    """Anyone may verify; only a department system's verification is recorded as a use
    (verify.verifiers). Anonymous calls record nothing: a purpose or staff name sent
    without a token is ignored, so no one can write into a holder's list of uses."""
    try:
        token = auth.bearer(s.access_tokens, required=False)
    except Problem:
        _rate_limit(s, None)  # a bad token is counted as anonymous: no way around the limit
        raise
    _rate_limit(s, token.client_id if token else None)
    text, options = _credential_input()
    # Only a recorded use needs the session: an anonymous verification whose sources
    # are all in memory (trust snapshot, status stamps) opens no transaction at all.
    session = s.unit_of_work.session() if token else None
    use = _use_for(session, token, options) if token else None
    at = datetime.now(UTC)
    result = s.verifier.verify(text, key_binding=_key_binding(options))
    if use is not None:
        _record_verification(session, use, result)
    # A revoked or suspended verdict reads the issuer's record for its date (rare: the
    # common valid check still opens no transaction).
    changed = result.status in circumstances.CHANGED_STATES
    return jsonify({**result.to_json(), "checked": circumstances.online(
        result, at, s.unit_of_work.session() if changed else None)})


def _rate_limit(s: VerifyServices, client_id: str | None) -> None:
    """Raises the 429 ``rate-limited`` problem, or the 503 ``rate-limit-unavailable`` one
    when the shared counter cannot be reached (fail closed); both with Retry-After."""
    key = f"api|{client_id or '-'}|{request.remote_addr or '-'}"
    try:
        # Before the request's first write: with SQL counters the hit commits on its
        # own (verify.rate_counters), so a refused or failing request still counts.
        s.limiter.hit(key)
    except RateLimited as exc:
        raise typed("rate-limited", "verification rate limit reached",
                    headers={"Retry-After": str(exc.retry_after)}) from exc
    except Unavailable as exc:
        raise typed("rate-limit-unavailable", "the rate limit cannot be checked just now",
                    headers={"Retry-After": str(exc.retry_after)}) from exc


def _credential_input() -> tuple[str, dict[str, Any]]:
    """(text, options) from JSON ``{credential, ...}`` or a multipart ``image``."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            raise typed("image-missing", "multipart field image is required",
                        errors=[field_error("image", "required")])
        try:
            return images.decode_qr(upload.read(images.MAX_BYTES + 1)), request.form.to_dict()
        except images.ImageRejected as exc:
            slug = {413: "too-large", 422: "no-qr-code"}.get(exc.status, "image-rejected")
            raise typed(slug, str(exc), status=exc.status,
                        errors=[field_error("image", _IMAGE_REASONS.get(exc.status, "invalid"),
                                            str(exc))]) from exc
    if not request.is_json:
        raise typed("unsupported-media-type",
                    "send application/json {credential} or multipart/form-data image")
    if (request.content_length or 0) > MAX_JSON_BODY:
        raise typed("too-large", f"at most {MAX_TEXT} characters of credential",
                    errors=[field_error("credential", "too_long")])
    body = _json_body()
    if not isinstance(body, dict):
        raise typed("credential-missing", "the body must be a JSON object {credential}",
                    errors=[field_error("", "not_json_object")])
    if "credential" not in body or body["credential"] is None:
        raise typed("credential-missing", "credential is required",
                    errors=[field_error("credential", "required")])
    if not isinstance(body["credential"], str):
        raise typed("credential-missing", "credential must be text",
                    errors=[field_error("credential", "not_text")])
    if len(body["credential"]) > MAX_TEXT:
        raise typed("too-large", f"at most {MAX_TEXT} characters",
                    errors=[field_error("credential", "too_long")])
    return body["credential"], body


_IMAGE_REASONS = {413: "too_large", 415: "unsupported_image", 422: "no_qr_code"}


def _json_body() -> Any:
    """The parsed body, None when it is not strict JSON. Deep nesting fits in the size
    cap and would exhaust the parser's recursion: that is bad input too, not a 500."""
    try:
        return strict_json.loads(request.get_data(cache=True))
    except (InvalidJson, RecursionError):
        return None


def _key_binding(options: dict[str, Any]) -> KeyBindingRequest | None:
    binding = options.get("key_binding")
    if binding is None:
        return None
    if not isinstance(binding, dict):
        raise typed("key-binding-request", "key_binding must be an object {audience, nonce}",
                    errors=[field_error("key_binding", "not_object")])
    missing = [field_error(f"key_binding.{k}", "required") for k in ("audience", "nonce")
               if not (isinstance(binding.get(k), str) and binding[k])]
    if missing:
        raise typed("key-binding-request", "key_binding needs audience and nonce strings",
                    errors=missing)
    return KeyBindingRequest(binding["audience"], binding["nonce"])


def _purpose(value: Any) -> str:
    """The stated purpose; raises the ``purpose`` problem naming the field."""
    try:
        return uses.check_purpose(value)
    except uses.BadPurpose as exc:
        title = "Purpose required" if exc.reason == "required" else "Invalid purpose"
        raise typed("purpose", str(exc), title=title,
                    errors=[field_error("purpose", exc.reason)]) from exc


def _staff() -> str | None:
    """The X-Onegate-Staff header, decoded; raises the ``bad-header`` problem naming it."""
    try:
        return uses.check_staff(auth.header_text(STAFF_HEADER))
    except (auth.BadHeader, uses.BadStaff) as exc:
        raise typed("bad-header", str(exc), errors=[field_error(STAFF_HEADER, exc.reason)],
                    title=f"Invalid {STAFF_HEADER} header") from exc


def _use_for(session: Session, token, options: dict[str, Any]) -> uses.Use:
    """What will be recorded; raises the 403 ``insufficient_scope`` problem unless a
    department system calls, and the ``purpose`` / ``bad-header`` problems."""
    verifiers.department_of(session, token)
    purpose = _purpose(options.get("purpose"))
    return _who("verify", token, purpose)


def _who(kind: str, token, purpose: str) -> uses.Use:
    """Who uses: under a 代办 token the clerk the provider verified (a staff header
    is ignored, not trusted over the signed token), else the department's statement."""
    clerk = uses.clerk_of(token.claims)
    return uses.by(kind, token.client_id, None if clerk else _staff(), clerk, purpose)


def _record_verification(session: Session, use: uses.Use, result) -> None:
    licence = result.license or {}
    if not licence.get("identifier"):
        return  # nothing signed was identified: there is no licence to record a use of
    # The issuer's record says whose licence it is, also when the presentation
    # withheld the holder number.
    holder = uses.holder_of(session, licence["identifier"])
    uses.record(session, uses.Use(use.kind, use.client_id, use.staff,
                                  licence["identifier"], holder, use.purpose,
                                  result.status, use.clerk))


# -- trust list and offline bundle ---------------------------------------------------


@routes.get("/trust-list")
def get_trust_list(s: VerifyServices):
    """The signed trust list, or its claims as JSON (verify.published: built when it
    changes, not per request; admin.published answers the same GET before dispatch)."""
    document = s.published.claims if _format() == "json" else s.published.token
    code, body, headers = document.snapshot().answer(request.headers.get("If-None-Match"))
    return Response(body, status=code, headers=headers)


@routes.get("/offline-bundle")
def get_offline_bundle(s: VerifyServices):
    """The signed offline bundle (verify.bundle), reused while unchanged (SignedBundles):
    a strong ETag per representation, 304 to a matching ``If-None-Match``."""
    as_json = _format() == "json"
    keyring, now = s.keyring, int(time.time())
    s.trust.refresh()
    lists = s.status.all_tokens()
    claims = bundle.claims(
        base=s.base_url, now=now, max_age=s.settings.bundle_max_age,
        trust=trust_list.document(s.trust.issuers(), base=s.base_url, now=now),
        status_lists=lists, reasons=s.status.public_reasons(lists),
        provider_jwks=keyring.jwks(trust_list.SIGNING_OWNER))
    token, etag = s.bundles.get(keyring, claims)
    if as_json:
        etag = etag[:-1] + '-json"'
    if request.if_none_match.contains(etag.strip('"')):
        response = Response(status=304)
    elif as_json:
        response = jsonify({"bundle": token, "provider_jwks": claims["provider_jwks"]})
    else:
        response = Response(token, mimetype="application/jwt")
    response.headers["ETag"] = etag
    return _cached(response)


def _format() -> str | None:
    """The ``format`` query parameter: absent (the signed token) or ``json``. Raises the
    ``bad-parameter`` problem naming it for any other value, or for more than one."""
    values = request.args.getlist("format")
    if not values:
        return None
    if len(values) > 1 or values[0] not in FORMATS:
        raise typed("bad-parameter", f"format must be one of: {', '.join(FORMATS)}",
                    errors=[field_error("format", "not_allowed" if len(values) == 1
                                        else "repeated")])
    return values[0]


def _cached(response: Response) -> Response:
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


# -- reuse with consent ----------------------------------------------------------------


@routes.get("/holder/licenses")
def holder_licences(s: VerifyServices):
    token = auth.bearer(s.access_tokens, required=True)
    types = sorted(s[len(LICENCE_SCOPE):] for s in token.scopes
                   if s.startswith(LICENCE_SCOPE) and len(s) > len(LICENCE_SCOPE))
    if not types:
        auth.require_scope(token, LICENCE_SCOPE + "<type code>")
    code_type, number = auth.holder_code(token)
    purpose = _purpose(request.args.get("purpose"))
    who = _who("retrieve", token, purpose)
    limit, offset = _page()
    session = s.unit_of_work.session()
    rows = _holder_rows(session, code_type, number, types, limit + 1, offset)
    more, rows = len(rows) > limit, rows[:limit]
    # Only the licences handed over in this page are used: one batch of records.
    uses.record_many(session, [uses.Use("retrieve", token.client_id, who.staff,
                                        row.identifier, number, purpose, row.state, who.clerk)
                               for row in rows])
    body = [_licence_json(row) for row in rows]
    following = _next(s, "/api/v1/holder/licenses", limit, offset, more, purpose=purpose)
    return _paged(jsonify({"licenses": body, "types": types, "limit": limit,
                           "offset": offset, "next": following}), following)


def _holder_rows(session, code_type: str, number: str, types: list[str], limit: int,
                 offset: int) -> list[Licence]:
    query = (select(Licence)
             .where(Licence.holder_code_type == code_type, Licence.holder_number == number,
                    Licence.type_code.in_(types), Licence.superseded_by.is_(None))
             .order_by(Licence.issued_at.desc(), Licence.identifier)
             .offset(offset).limit(limit))
    return list(session.scalars(query))


def _page() -> tuple[int, int]:
    """(limit, offset) from the query; raises the ``paging`` problem naming the field."""
    return (_int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            _int_arg("offset", 0, 0, MAX_OFFSET))


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise typed("paging", f"{name} must be a whole number from {low} to {high}",
                    errors=[field_error(name, "not_integer")])
    value = int(raw)
    if not low <= value <= high:
        raise typed("paging", f"{name} must be from {low} to {high}",
                    errors=[field_error(name, "out_of_range")])
    return value


def _next(s: VerifyServices, path: str, limit: int, offset: int, more: bool,
          **params: str) -> str | None:
    if not more:
        return None
    query = urlencode({**params, "limit": limit, "offset": offset + limit})
    return f"{s.base_url}{path}?{query}"


def _paged(response: Response, following: str | None) -> Response:
    if following:
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


def _licence_json(row: Licence) -> dict[str, Any]:
    return {"identifier": row.identifier, "type": row.type_code,
            "department": row.department_code, "state": row.state,
            "holder_name": row.holder_name, "claims": row.claims,
            "valid_from": _iso(row.valid_from), "valid_until": _iso(row.valid_until),
            "sd_jwt": row.sd_jwt, "offline_qr": row.offline_qr}


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@routes.get("/wallet/uses")
def wallet_uses(s: VerifyServices):
    token = auth.bearer(s.access_tokens, required=True)
    auth.require_scope(token, "wallet")
    _, number = auth.holder_code(token)
    limit, offset = _page()
    found = uses.for_holder(s.unit_of_work.session(), number, limit + 1, offset,
                            names=s.client_names)
    following = _next(s, "/api/v1/wallet/uses", limit, offset, len(found) > limit)
    return _paged(jsonify({"uses": found[:limit], "limit": limit, "offset": offset,
                           "next": following}), following)
