"""JSON API: verify, trust list, offline bundle, holder licences with consent, uses.

CSRF-exempt (no cookies authenticate these endpoints); every error is RFC 9457.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from credentials.formats import strict_json
from credentials.formats.errors import InvalidJson
from credentials.models import Licence
from verify import auth, bundle, images, service, trust_list, uses
from verify.pipeline import MAX_TEXT
from verify.presentations import KeyBindingRequest
from verify.problems import Problem, problem
from verify.ratelimit import RateLimited

bp = Blueprint("verify_api", __name__, url_prefix="/api/v1")
LICENCE_SCOPE = "licenses:read:"
MAX_JSON_BODY = MAX_TEXT + 4096


@bp.errorhandler(Problem)
def _problem(exc: Problem) -> Response:
    return exc.response()


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException) -> Response:
    return problem(exc.code or 400, exc.name, exc.description)


# -- verification ------------------------------------------------------------------


@bp.post("/verify")
def verify_licence():
    token = auth.bearer(required=False)
    _rate_limit(token.client_id if token else None)
    text, options = _credential_input()
    use = _use_for(token, options) if token else None
    result = service.verifier().verify(text, key_binding=_key_binding(options))
    if use is not None:
        _record_verification(use, result)
    return jsonify(result.to_json())


def _rate_limit(client_id: str | None) -> None:
    key = f"{client_id or '-'}|{request.remote_addr or '-'}"
    try:
        service.limiter().hit(key)
    except RateLimited as exc:
        raise Problem(429, "Too Many Requests", "verification rate limit reached",
                      slug="rate-limited", headers={"Retry-After": str(exc.retry_after)}) \
            from exc


def _credential_input() -> tuple[str, dict[str, Any]]:
    """(text, options) from JSON ``{credential, ...}`` or a multipart ``image``."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("image")
        if upload is None:
            raise Problem(400, "Bad Request", "multipart field image is required",
                          slug="image-missing")
        try:
            return images.decode_qr(upload.read(images.MAX_BYTES + 1)), request.form.to_dict()
        except images.ImageRejected as exc:
            raise Problem(exc.status, "Image rejected", str(exc), slug="image-rejected") \
                from exc
    if not request.is_json:
        raise Problem(415, "Unsupported Media Type",
                      "send application/json {credential} or multipart/form-data image",
                      slug="unsupported-media-type")
    if (request.content_length or 0) > MAX_JSON_BODY:
        raise Problem(413, "Content Too Large", f"at most {MAX_TEXT} characters of credential",
                      slug="too-large")
    body = _json_body()
    if not isinstance(body, dict) or not isinstance(body.get("credential"), str):
        raise Problem(400, "Bad Request", "body must be a JSON object with credential text",
                      slug="credential-missing")
    if len(body["credential"]) > MAX_TEXT:
        raise Problem(413, "Content Too Large", f"at most {MAX_TEXT} characters",
                      slug="too-large")
    return body["credential"], body


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
    if not isinstance(binding, dict) or not all(
            isinstance(binding.get(k), str) and binding[k] for k in ("audience", "nonce")):
        raise Problem(400, "Bad Request", "key_binding needs audience and nonce strings",
                      slug="key-binding-request")
    return KeyBindingRequest(binding["audience"], binding["nonce"])


def _use_for(token, options: dict[str, Any]) -> uses.Use:
    try:
        purpose = uses.check_purpose(options.get("purpose"))
        staff = uses.check_staff(auth.header_text("X-Onegate-Staff"))
    except uses.BadPurpose as exc:
        raise Problem(400, "Bad Request", str(exc), slug="purpose") from exc
    return uses.Use("verify", token.client_id, staff, "", None, purpose)


def _record_verification(use: uses.Use, result) -> None:
    licence = result.license or {}
    if not licence.get("identifier"):
        return  # nothing signed was identified: there is no licence to record a use of
    claims = licence.get("claims") or {}
    holder = claims.get("holder_id") or claims.get("holder_code")
    with current_app.extensions["onegate.sessions"].begin() as session:
        uses.record(session, uses.Use(use.kind, use.client_id, use.staff,
                                      licence["identifier"], holder, use.purpose,
                                      result.status))


# -- trust list and offline bundle ---------------------------------------------------


@bp.get("/trust-list")
def get_trust_list():
    claims = trust_list.document(service.trust().issuers(), base=service.base_url(),
                                 now=int(time.time()))
    if request.args.get("format") == "json":
        return _cached(jsonify(claims))
    token = trust_list.sign(current_app.extensions["onegate.keyring"], claims)
    return _cached(Response(token, mimetype="application/trustlist+jwt"))


@bp.get("/offline-bundle")
def get_offline_bundle():
    keyring, now = current_app.extensions["onegate.keyring"], int(time.time())
    service.trust().refresh()
    claims = bundle.claims(
        base=service.base_url(), now=now, max_age=service.setting("VERIFY_BUNDLE_MAX_AGE"),
        trust=trust_list.document(service.trust().issuers(), base=service.base_url(), now=now),
        status_lists=service.status_source().all_tokens(),
        provider_jwks=keyring.jwks(trust_list.SIGNING_OWNER))
    token = bundle.sign(keyring, claims)
    if request.args.get("format") == "json":
        return _cached(jsonify({"bundle": token, "provider_jwks": claims["provider_jwks"]}))
    return _cached(Response(token, mimetype="application/jwt"))


def _cached(response: Response) -> Response:
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


# -- reuse with consent ----------------------------------------------------------------


@bp.get("/holder/licenses")
def holder_licences():
    token = auth.bearer(required=True)
    types = sorted(s[len(LICENCE_SCOPE):] for s in token.scopes
                   if s.startswith(LICENCE_SCOPE) and len(s) > len(LICENCE_SCOPE))
    if not types:
        auth.require_scope(token, LICENCE_SCOPE + "<type code>")
    code_type, number = auth.holder_code(token)
    try:
        purpose = uses.check_purpose(request.args.get("purpose"))
        staff = uses.check_staff(auth.header_text("X-Onegate-Staff"))
    except uses.BadPurpose as exc:
        raise Problem(400, "Bad Request", str(exc), slug="purpose") from exc
    with current_app.extensions["onegate.sessions"].begin() as session:
        rows = _holder_rows(session, code_type, number, types)
        for row in rows:
            uses.record(session, uses.Use("retrieve", token.client_id, staff, row.identifier,
                                          number, purpose, row.state))
        body = [_licence_json(row) for row in rows]
    return jsonify({"licenses": body, "types": types})


def _holder_rows(session, code_type: str, number: str, types: list[str]) -> list[Licence]:
    query = (select(Licence)
             .where(Licence.holder_code_type == code_type, Licence.holder_number == number,
                    Licence.type_code.in_(types), Licence.superseded_by.is_(None))
             .order_by(Licence.issued_at.desc()))
    return list(session.scalars(query))


def _licence_json(row: Licence) -> dict[str, Any]:
    return {"identifier": row.identifier, "type": row.type_code,
            "department": row.department_code, "state": row.state,
            "holder_name": row.holder_name, "claims": row.claims,
            "valid_from": _iso(row.valid_from), "valid_until": _iso(row.valid_until),
            "sd_jwt": row.sd_jwt, "offline_qr": row.offline_qr}


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@bp.get("/wallet/uses")
def wallet_uses():
    token = auth.bearer(required=True)
    auth.require_scope(token, "wallet")
    _, number = auth.holder_code(token)
    with current_app.extensions["onegate.sessions"]() as session:
        return jsonify({"uses": uses.for_holder(session, number)})
