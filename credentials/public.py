"""Public, unauthenticated issuer endpoints: metadata, JWKS, status lists, type metadata."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from credentials import catalogue, catalogue_json, layout, status, type_lifecycle
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
    """SD-JWT VC Type Metadata at the ``vct`` of version 1 (the URL licences carried
    before types had versions: it keeps describing what they were issued under)."""
    return _type_metadata(s, type_code, 1)


@routes.get("/types/<type_code>/versions/<int:version>")
def type_version_metadata(s: CredentialsServices, type_code: str, version: int) -> Response:
    """SD-JWT VC Type Metadata of one version (the ``vct`` of later versions)."""
    return _type_metadata(s, type_code, version)


def _type_metadata(s: CredentialsServices, type_code: str, version: int) -> Response:
    session = s.unit_of_work.session()
    row = catalogue.get_type(session, type_code)
    found = type_lifecycle.version_of(session, row.code, version) if row is not None else None
    if found is None:
        raise NotFound("no such licence type version")
    return _cached_json(catalogue_json.vc_type_metadata(s.issuer, row, found))
