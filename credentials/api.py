"""The issuance API for departments' systems: ``/api/v1/licenses`` (OpenAPI in openapi.py)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from sqlalchemy import select

from credentials import auth, http_input, lifecycle, presenter, qr
from credentials.errors import (
    BatchTooLarge,
    CredentialsError,
    FieldError,
    MalformedRequest,
    NotFound,
    UnknownType,
    ValidationFailed,
)
from credentials.formats.errors import QrTooLarge
from credentials.issuance import Deps, Outcome, issue_many
from credentials.issue_request import IssueRequest, parse_issue_request, parse_reissue
from credentials.models import LicenceType
from credentials.problems import from_error, register
from credentials.services import deps, reference_images

bp = Blueprint("credentials_api", __name__, url_prefix="/api/v1")
register(bp)

BATCH_LIMIT = 1000
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}\Z")


def _json(body: Any, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _licence_response(outcome: Outcome, d: Deps) -> Response:
    response = _json(presenter.licence_json(outcome.licence, d.issuer, d.references), 201)
    response.headers["Location"] = presenter.links(outcome.licence, d.issuer,
                                                   d.references)["self"]
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _idempotency_key() -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.match(value):
        raise ValidationFailed("bad Idempotency-Key",
                               [FieldError("Idempotency-Key", "bad_format",
                                           "1-200 visible ASCII characters")])
    return value


def _known_types(items: list[Any]) -> set[str]:
    """The type codes named by ``items`` that the catalogue has (one query)."""
    codes = {i["type"] for i in items if isinstance(i, dict) and isinstance(i.get("type"), str)}
    if not codes:
        return set()
    with deps().sessions() as session:
        return set(session.scalars(select(LicenceType.code).where(LicenceType.code.in_(codes))))


def _parsed_item(token, item: Any, known: set[str], prefix: str = ""
                 ) -> IssueRequest | CredentialsError:
    try:
        parsed = parse_issue_request(item, prefix=prefix)
        if parsed.type_code not in known:
            raise UnknownType(f"no licence type {parsed.type_code}",
                              [FieldError(prefix + "type", "unknown_type")])
        auth.require_scope(token, auth.issue_scope(parsed.type_code))
        return parsed
    except CredentialsError as exc:
        return exc


@bp.post("/licenses")
def issue() -> Response:
    token = auth.bearer()
    key = _idempotency_key()
    body = http_input.json_object()
    parsed = _parsed_item(token, body, _known_types([body]))
    if isinstance(parsed, CredentialsError):
        raise parsed
    d = deps()
    with d.sessions() as session:
        department = auth.department_of(session, token)
    outcome = issue_many(d, department, [parsed], scope="client:" + token.client_id,
                         keys_=[key])[0]
    if outcome.error is not None:
        raise outcome.error
    return _licence_response(outcome, d)


@bp.post("/licenses:batch")
def issue_batch() -> Response:
    token = auth.bearer()
    key = _idempotency_key()
    items = _batch_items(http_input.json_body())
    d = deps()
    with d.sessions() as session:
        department = auth.department_of(session, token)
    known = _known_types(items)
    parsed = [_parsed_item(token, item, known) for item in items]
    keys_ = [f"{key}#{i}" if key else None for i in range(len(items))]
    outcomes = issue_many(d, department, parsed, scope="client:" + token.client_id, keys_=keys_)
    results = [_batch_result(i, o, d) for i, o in enumerate(outcomes)]
    issued = sum(1 for o in outcomes if o.licence is not None)
    return _json({"issued": issued, "rejected": len(outcomes) - issued, "results": results})


def _batch_items(body: Any) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise MalformedRequest('the body must be {"items": [...]}',
                               [FieldError("items", "required")])
    unknown = [FieldError(str(k)[:64], "unknown_field") for k in body if k != "items"]
    if unknown:
        raise ValidationFailed("the batch has only items", unknown)
    if len(body["items"]) > BATCH_LIMIT:
        raise BatchTooLarge(f"at most {BATCH_LIMIT} items per batch",
                            [FieldError("items", "too_many", str(BATCH_LIMIT))])
    if not body["items"]:
        raise ValidationFailed("no items", [FieldError("items", "empty")])
    return body["items"]


def _batch_result(index: int, outcome: Outcome, d: Deps) -> dict[str, Any]:
    if outcome.error is not None:
        problem = from_error(outcome.error).get_json()
        return {"index": index, "status": outcome.error.status, "problem": problem}
    return {"index": index, "status": 201, "replayed": outcome.replayed,
            "licence": presenter.licence_json(outcome.licence, d.issuer, d.references)}


@bp.get("/licenses/<identifier>")
def show(identifier: str) -> Response:
    token = auth.bearer()
    d = deps()
    with d.sessions() as session:
        licence = lifecycle.get_licence(session, identifier)
        auth.may_read(session, token, licence)
    return _json(presenter.licence_json(licence, d.issuer, d.references))


def _transition(identifier: str, action: str) -> Response:
    token = auth.bearer()
    reason = lifecycle.check_reason(http_input.json_object())
    d = deps()
    with d.sessions.begin() as session:
        licence = lifecycle.get_licence(session, identifier, for_update=True)
        auth.may_manage(session, token, licence)
        lifecycle.change_state(session, licence, action, reason, d.clock(),
                               actor="client:" + token.client_id)
    return _json(presenter.licence_json(licence, d.issuer, d.references))


@bp.post("/licenses/<identifier>/suspend")
def suspend(identifier: str) -> Response:
    return _transition(identifier, "suspend")


@bp.post("/licenses/<identifier>/reinstate")
def reinstate(identifier: str) -> Response:
    return _transition(identifier, "reinstate")


@bp.post("/licenses/<identifier>/revoke")
def revoke(identifier: str) -> Response:
    return _transition(identifier, "revoke")


@bp.post("/licenses/<identifier>/reissue")
def reissue(identifier: str) -> Response:
    token = auth.bearer()
    body = http_input.json_object()
    changes = parse_reissue(body)
    d = deps()
    with d.sessions() as session:
        licence = lifecycle.get_licence(session, identifier)
        auth.may_manage(session, token, licence)
    successor = lifecycle.reissue(d, licence, *changes, actor="client:" + token.client_id)
    return _licence_response(Outcome(licence=successor), d)


def _image(identifier: str, kind: str, fmt: str) -> Response:
    token = auth.bearer()
    d = deps()
    with d.sessions() as session:
        licence = lifecycle.get_licence(session, identifier)
        auth.may_read(session, token, licence)
    try:
        if kind == "offline":
            rendered = qr.offline_image(d.sessions, licence)
        else:
            rendered = qr.reference_image(reference_images(), licence, issuer=d.issuer,
                                          references=d.references)
    except QrTooLarge as exc:
        raise ValidationFailed("the text does not fit a QR code",
                               [FieldError("id", "qr_too_large")]) from exc
    body = rendered.png if fmt == "png" else rendered.svg
    response = Response(body, mimetype="image/png" if fmt == "png" else "image/svg+xml")
    # The reference form carries its secret token: kept by no cache, not even the browser's.
    response.headers["Cache-Control"] = ("private, max-age=86400, immutable"
                                         if kind == "offline" else "no-store")
    return response


@bp.get("/licenses/<identifier>/qr.png")
def qr_png(identifier: str) -> Response:
    return _image(identifier, "offline", "png")


@bp.get("/licenses/<identifier>/qr.svg")
def qr_svg(identifier: str) -> Response:
    return _image(identifier, "offline", "svg")


@bp.get("/licenses/<identifier>/reference-qr.png")
def reference_qr_png(identifier: str) -> Response:
    return _image(identifier, "reference", "png")


@bp.get("/licenses/<identifier>/reference-qr.svg")
def reference_qr_svg(identifier: str) -> Response:
    return _image(identifier, "reference", "svg")


@bp.get("/openapi.json")
def openapi() -> Response:
    from credentials.openapi import FRAGMENTS, document, with_fragments
    from credentials.problems import all_slugs

    issuer = current_app.config["ONEGATE"]["ISSUER"]
    return _json(with_fragments(document(issuer, problem_slugs=all_slugs()),
                                current_app.extensions.get(FRAGMENTS, ()), issuer))


@bp.get("/problems/<slug>")
def problem_type(slug: str) -> Response | str:
    """The page a problem's ``type`` URI names: HTML for a browser, JSON otherwise.

    Raises NotFound for a slug no package answers with."""
    from credentials.problems import describe, type_uri

    described = describe(slug)
    if described is None:
        raise NotFound("no such problem type", [FieldError("slug", "unknown")])
    status, title, description = described
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return render_template("credentials/problem_type.html", uri=type_uri(slug),
                               status=status, title=title, description=description,
                               openapi=url_for(".openapi"))
    return _json({"type": slug, "title": title, "status": status, "description": description})
