"""Public, unauthenticated issuer endpoints: metadata, JWKS, status lists, type metadata."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

import keys
from credentials import catalogue, layout, status
from credentials.errors import IssuerUnavailable, NotFound
from credentials.models import StatusListRow
from credentials.problems import register
from credentials.services import deps, status_cache

bp = Blueprint("credentials_public", __name__)
register(bp)

STATUS_MEDIA_TYPE = "application/statuslist+jwt"


def _cached_json(body: dict, max_age: int = 300) -> Response:
    response = jsonify(body)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _department(code: str):
    d = deps()
    with d.sessions() as session:
        return catalogue.get_department(session, code)


@bp.get("/issuers/<code>")
def issuer(code: str) -> Response:
    department = _department(code)
    d = deps()
    url = layout.issuer_url(d.issuer, code)
    return _cached_json({"issuer": url, "name": department.name, "uscc": department.uscc,
                         "jwks_uri": url + "/jwks"})


@bp.get("/issuers/<code>/jwks")
def jwks(code: str) -> Response:
    _department(code)
    return _cached_json(deps().keyring.jwks(keys.department(code)))


@bp.get("/.well-known/jwt-vc-issuer/issuers/<code>")
def vc_issuer_metadata(code: str) -> Response:
    """SD-JWT VC draft, "JWT VC Issuer Metadata": ``issuer`` MUST equal the ``iss``
    of the credentials; ``jwks`` by value, retired keys included (they still verify)."""
    _department(code)
    d = deps()
    return _cached_json({"issuer": layout.issuer_url(d.issuer, code),
                         "jwks": d.keyring.jwks(keys.department(code))})


@bp.get("/issuers/<code>/status/<list_id>")
def status_list_token(code: str, list_id: str) -> Response:
    d = deps()
    with d.sessions() as session:
        row = session.get(StatusListRow, list_id) if len(list_id) <= 32 else None
        if row is None or row.department_code != code:
            raise NotFound("no such status list")
        try:
            signed = status.signed_list(session, d.keyring, d.issuer, row, status_cache())
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


@bp.get("/types/<type_code>")
def type_metadata(type_code: str) -> Response:
    """SD-JWT VC Type Metadata for the ``vct`` URL: names, claims, schema."""
    d = deps()
    with d.sessions() as session:
        row = catalogue.get_type(session, type_code)
    if row is None:
        raise NotFound("no such licence type")
    return _cached_json({
        "vct": layout.vct(d.issuer, row.code), "name": row.name_zh,
        "display": [{"lang": "zh-CN", "name": row.name_zh}, {"lang": "en", "name": row.name_en}],
        "holder_kind": row.holder_kind, "issuers": [layout.issuer_url(d.issuer, c)
                                                   for c in row.departments],
        "always_disclosed": row.always_disclosed, "selectively_disclosable": row.disclosable,
        "schema": row.json_schema})

