"""Public, unauthenticated issuer endpoints: metadata, JWKS, status lists, type metadata."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from credentials import catalogue, layout, status
from credentials.errors import NotFound
from credentials.routes import Routes
from credentials.services import CredentialsServices
from edge.published import Snapshot

routes = Routes()


def blueprint(services: CredentialsServices) -> Blueprint:
    """The public issuer endpoints, their views closed over ``services``."""
    bp = Blueprint("credentials_public", __name__)
    services.problem_types.register_handlers(bp)
    return routes.bind(bp, services)


def _cached_json(body: dict, max_age: int = 300) -> Response:
    response = jsonify(body)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _department(s: CredentialsServices, code: str):
    return catalogue.get_department(s.unit_of_work.session(), code)


@routes.get("/issuers/<code>")
def issuer(s: CredentialsServices, code: str) -> Response:
    department = _department(s, code)
    url = layout.issuer_url(s.issuer, code)
    return _cached_json({"issuer": url, "name": department.name, "uscc": department.uscc,
                         "jwks_uri": url + "/jwks"})


@routes.get("/issuers/<code>/jwks")
def jwks(s: CredentialsServices, code: str) -> Response:
    return _published(s.published.jwks.snapshot(code))


@routes.get("/.well-known/jwt-vc-issuer/issuers/<code>")
def vc_issuer_metadata(s: CredentialsServices, code: str) -> Response:
    """SD-JWT VC draft, "JWT VC Issuer Metadata" (credentials.published)."""
    return _published(s.published.vc_issuer.snapshot(code))


@routes.get("/issuers/<code>/status/<list_id>")
def status_list_token(s: CredentialsServices, code: str, list_id: str) -> Response:
    # An id that is no list id (a NUL byte PostgreSQL refuses in text, over-long text)
    # names no list: 404, not a database error.
    if not status.is_list_id(list_id):
        raise NotFound("no such status list")
    return _published(s.published.status_lists.snapshot(f"{code}/{list_id}"))


def _published(snapshot: Snapshot) -> Response:
    """A published document (credentials.published) as it stands, 304 for a matching
    ``If-None-Match``; any origin may read it. admin.published answers the same GET
    before Flask's dispatch once the document is built."""
    code, body, headers = snapshot.answer(request.headers.get("If-None-Match"))
    response = Response(body, status=code, headers=headers)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@routes.get("/types/<type_code>")
def type_metadata(s: CredentialsServices, type_code: str) -> Response:
    """SD-JWT VC Type Metadata for the ``vct`` URL: names, claims, schema."""
    row = catalogue.get_type(s.unit_of_work.session(), type_code)
    if row is None:
        raise NotFound("no such licence type")
    return _cached_json({
        "vct": layout.vct(s.issuer, row.code), "name": row.name_zh,
        "display": [{"lang": "zh-CN", "name": row.name_zh}, {"lang": "en", "name": row.name_en}],
        "holder_kind": row.holder_kind, "issuers": [layout.issuer_url(s.issuer, c)
                                                   for c in row.departments],
        "always_disclosed": row.always_disclosed, "selectively_disclosable": row.disclosable,
        "schema": row.json_schema})

