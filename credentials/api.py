"""The issuance API for departments' systems: ``/api/v1/licenses`` (OpenAPI in openapi.py)."""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from credentials import (
    auth,
    http_input,
    lifecycle,
    openapi_catalogue,
    openapi_translations,
    presenter,
    qr,
    types_api,
)
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
from credentials.issuance import Deps, Outcome, issue_many, issue_one
from credentials.issue_request import IssueRequest, parse_issue_request, parse_reissue
from credentials.models import LicenceType
from credentials.openapi import document, with_fragments
from credentials.openapi_locale import LANGUAGES, localize
from credentials.routes import Routes
from credentials.services import CredentialsServices

routes = Routes()

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


def blueprint(services: CredentialsServices) -> Blueprint:
    """The issuance API, its views closed over ``services``."""
    bp = Blueprint("credentials_api", __name__, url_prefix="/api/v1")
    services.problem_types.register_handlers(bp)
    types_api.routes.bind(bp, services)
    services.openapi_fragments.register(openapi_catalogue.fragment)
    return routes.bind(bp, services)


def _known_types(session: Session, items: list[Any]) -> set[str]:
    """The type codes named by ``items`` that the catalogue has (one query)."""
    codes = {i["type"] for i in items if isinstance(i, dict) and isinstance(i.get("type"), str)}
    if not codes:
        return set()
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


@routes.post("/licenses")
def issue(s: CredentialsServices) -> Response:
    token = auth.bearer(s.access_tokens)
    key = _idempotency_key()
    body = http_input.json_object()
    session = s.unit_of_work.session()
    parsed = _parsed_item(token, body, _known_types(session, [body]))
    if isinstance(parsed, CredentialsError):
        raise parsed
    department = auth.department_of(session, token)
    outcome = issue_one(session, s.deps, department, parsed,
                        scope="client:" + token.client_id, key=key)
    if outcome.error is not None:
        raise outcome.error
    return _licence_response(outcome, s.deps)


@routes.post("/licenses:batch")
def issue_batch(s: CredentialsServices) -> Response:
    token = auth.bearer(s.access_tokens)
    key = _idempotency_key()
    items = _batch_items(http_input.json_body())
    session = s.unit_of_work.session()
    department = auth.department_of(session, token)
    known = _known_types(session, items)
    parsed = [_parsed_item(token, item, known) for item in items]
    keys_ = [f"{key}#{i}" if key else None for i in range(len(items))]
    # Deliberately not the request's transaction: issue_many commits per chunk (and
    # per item when a chunk fails) on its own sessions, so each item gets its own
    # outcome and no licence is half-written. The request's session only read.
    with _signing_pool(s, len(parsed)) as pool:
        d = replace(s.deps, signing_pool=pool, pool_optional=True) if pool else s.deps
        outcomes = issue_many(d, department, parsed, scope="client:" + token.client_id,
                              keys_=keys_)
    results = [_batch_result(s, i, o) for i, o in enumerate(outcomes)]
    issued = sum(1 for o in outcomes if o.licence is not None)
    return _json({"issued": issued, "rejected": len(outcomes) - issued, "results": results})


def _signing_pool(s: CredentialsServices, items: int):
    """The batch signing processes lent to this batch (credentials.batch_signing), or
    a context giving None: sign in this process."""
    return s.batch_signing.lend(items) if s.batch_signing else contextlib.nullcontext()


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


def _batch_result(s: CredentialsServices, index: int, outcome: Outcome) -> dict[str, Any]:
    if outcome.error is not None:
        problem = s.problem_types.from_error(outcome.error).get_json()
        return {"index": index, "status": outcome.error.status, "problem": problem}
    return {"index": index, "status": 201, "replayed": outcome.replayed,
            "licence": presenter.licence_json(outcome.licence, s.issuer, s.references)}


@routes.get("/licenses/<identifier>")
def show(s: CredentialsServices, identifier: str) -> Response:
    token = auth.bearer(s.access_tokens)
    session = s.unit_of_work.session()
    licence = lifecycle.get_licence(session, identifier)
    auth.may_read(session, token, licence)
    return _json(presenter.licence_json(licence, s.issuer, s.references))


def _transition(s: CredentialsServices, identifier: str, action: str) -> Response:
    token = auth.bearer(s.access_tokens)
    body = http_input.json_object()
    reason = lifecycle.check_reason(body)
    public = lifecycle.check_public_reason(body, action)
    session = s.unit_of_work.session()
    licence = lifecycle.get_licence(session, identifier, for_update=True)
    auth.may_manage(session, token, licence)
    lifecycle.change_state(session, licence, action, reason, s.clock(),
                           actor="client:" + token.client_id, public=public)
    return _json(presenter.licence_json(licence, s.issuer, s.references))


@routes.post("/licenses/<identifier>/suspend")
def suspend(s: CredentialsServices, identifier: str) -> Response:
    return _transition(s, identifier, "suspend")


@routes.post("/licenses/<identifier>/reinstate")
def reinstate(s: CredentialsServices, identifier: str) -> Response:
    return _transition(s, identifier, "reinstate")


@routes.post("/licenses/<identifier>/revoke")
def revoke(s: CredentialsServices, identifier: str) -> Response:
    return _transition(s, identifier, "revoke")


@routes.post("/licenses/<identifier>/reissue")
def reissue(s: CredentialsServices, identifier: str) -> Response:
    token = auth.bearer(s.access_tokens)
    body = http_input.json_object()
    changes = parse_reissue(body)
    session = s.unit_of_work.session()
    licence = lifecycle.get_licence(session, identifier)
    auth.may_manage(session, token, licence)
    successor = lifecycle.reissue(session, s.deps, licence, *changes,
                                  actor="client:" + token.client_id)
    return _licence_response(Outcome(licence=successor), s.deps)


def _image(s: CredentialsServices, identifier: str, kind: str, fmt: str) -> Response:
    token = auth.bearer(s.access_tokens)
    session = s.unit_of_work.session()
    licence = lifecycle.get_licence(session, identifier)
    auth.may_read(session, token, licence)
    try:
        if kind == "offline":
            rendered = qr.offline_image(session, s.sessions, licence)
        else:
            rendered = qr.reference_image(s.reference_images, licence, issuer=s.issuer,
                                          references=s.references)
    except QrTooLarge as exc:
        raise ValidationFailed("the text does not fit a QR code",
                               [FieldError("id", "qr_too_large")]) from exc
    body = rendered.png if fmt == "png" else rendered.svg
    response = Response(body, mimetype="image/png" if fmt == "png" else "image/svg+xml")
    # The reference form carries its secret token: kept by no cache, not even the browser's.
    response.headers["Cache-Control"] = ("private, max-age=86400, immutable"
                                         if kind == "offline" else "no-store")
    return response


@routes.get("/licenses/<identifier>/qr.png")
def qr_png(s: CredentialsServices, identifier: str) -> Response:
    return _image(s, identifier, "offline", "png")


@routes.get("/licenses/<identifier>/qr.svg")
def qr_svg(s: CredentialsServices, identifier: str) -> Response:
    return _image(s, identifier, "offline", "svg")


@routes.get("/licenses/<identifier>/reference-qr.png")
def reference_qr_png(s: CredentialsServices, identifier: str) -> Response:
    return _image(s, identifier, "reference", "png")


@routes.get("/licenses/<identifier>/reference-qr.svg")
def reference_qr_svg(s: CredentialsServices, identifier: str) -> Response:
    return _image(s, identifier, "reference", "svg")


@routes.get("/openapi.json")
def openapi(s: CredentialsServices) -> Response:
    """The canonical description, or (``?lang=``) its rendering in one language.

    Raises CredentialsError (400 naming ``lang``) for another or a repeated language."""
    langs = request.args.getlist("lang")
    if len(langs) > 1 or (langs and langs[0] not in LANGUAGES):
        raise CredentialsError(f"lang is one of {', '.join(LANGUAGES)}, given once",
                               [FieldError("lang", "repeated" if len(langs) > 1
                                           else "unsupported")])
    base = document(s.issuer, problem_slugs=s.problem_types.all_slugs())
    whole = with_fragments(base, s.openapi_fragments, s.issuer)
    if not langs:
        return _json(whole)
    tables = openapi_translations.TRANSLATIONS.merged(s.openapi_fragments.translations())
    return _json(localize(whole, langs[0], tables))


@routes.get("/problems/<slug>")
def problem_type(s: CredentialsServices, slug: str) -> Response | str:
    """The page a problem's ``type`` URI names: HTML for a browser, JSON otherwise.

    Raises NotFound for a slug no package answers with."""
    described = s.problem_types.describe(slug)
    if described is None:
        raise NotFound("no such problem type", [FieldError("slug", "unknown")])
    status, title, description = described
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return render_template("credentials/problem_type.html", uri=s.problem_types.type_uri(slug),
                               status=status, title=title, description=description,
                               openapi=url_for(".openapi"))
    return _json({"type": slug, "title": title, "status": status, "description": description})
