"""Public, unauthenticated issuer endpoints: metadata, JWKS, status lists, type metadata."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

import keys
from credentials import catalogue, layout, status
from credentials.errors import IssuerUnavailable, NotFound
from credentials.models import StatusListRow
from credentials.routes import Routes
from credentials.services import CredentialsServices

routes = Routes()

STATUS_MEDIA_TYPE = "application/statuslist+jwt"


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
    _department(s, code)
    return _cached_json(s.keyring.jwks(keys.department(code)))


@routes.get("/.well-known/jwt-vc-issuer/issuers/<code>")
def vc_issuer_metadata(s: CredentialsServices, code: str) -> Response:
    """SD-JWT VC draft, "JWT VC Issuer Metadata": ``issuer`` MUST equal the ``iss``
    of the credentials; ``jwks`` by value, retired keys included (they still verify)."""
    _department(s, code)
    return _cached_json({"issuer": layout.issuer_url(s.issuer, code),
                         "jwks": s.keyring.jwks(keys.department(code))})


@routes.get("/issuers/<code>/status/<list_id>")
def status_list_token(s: CredentialsServices, code: str, list_id: str) -> Response:
    session = s.unit_of_work.session()
    row = session.get(StatusListRow, list_id) if len(list_id) <= 32 else None
    if row is None or row.department_code != code:
        raise NotFound("no such status list")
    try:
        signed = status.signed_list(session, s.keyring, s.issuer, row, s.status_cache)
    except keys.NoActiveKey as exc:
        raise IssuerUnavailable("the department has no active key") from exc
    headers = {"Cache-Control": f"public, max-age={status.TTL_SECONDS}",
               "Access-Control-Allow-Origin": "*"}
    if request.if_none_match.contains(signed.etag):
        response = Response(status=304, headers=headers)
    else:
        response = Response(signed.token, mimetype=STATUS_MEDIA_TYPE, headers=headers)
    response.set_etag(signed.etag)
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

