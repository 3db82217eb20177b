"""The wallet's JSON API: the holder's licences and presentations (scope ``wallet``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session

from credentials import auth, http_input, lifecycle, presenter
from credentials.errors import FieldError, NotFound, ValidationFailed
from credentials.formats import qr_image, sd_jwt
from credentials.formats.errors import FormatError, QrTooLarge
from credentials.models import Licence, LicenceType
from credentials.routes import Routes
from credentials.services import CredentialsServices

routes = Routes()

MAX_DISCLOSE = 64


def blueprint(services: CredentialsServices) -> Blueprint:
    """The wallet's JSON API, its views closed over ``services``."""
    bp = Blueprint("credentials_wallet_api", __name__, url_prefix="/api/v1/wallet")
    services.problem_types.register_handlers(bp)
    return routes.bind(bp, services)


def _own_licence(s: CredentialsServices, session: Session, identifier: str) -> Licence:
    holder = auth.holder_of(auth.bearer(s.access_tokens))
    licence = lifecycle.get_licence(session, identifier)
    if (licence.holder_code_type, licence.holder_number) != holder:
        raise NotFound("no licence with this identifier", [FieldError("id", "not_found")])
    return licence


@routes.get("/licenses")
def licences(s: CredentialsServices) -> Response:
    code_type, number = auth.holder_of(auth.bearer(s.access_tokens))
    rows = s.unit_of_work.session().execute(
        select(Licence, LicenceType.name_zh)
        .join(LicenceType, LicenceType.code == Licence.type_code, isouter=True)
        .where(Licence.holder_code_type == code_type, Licence.holder_number == number,
               Licence.superseded_by.is_(None))
        .order_by(Licence.issued_at.desc()).limit(500)).all()
    now = s.clock()
    return jsonify({"licenses": [presenter.wallet_summary(lic, name, now) for lic, name in rows]})


@routes.get("/licenses/<identifier>")
def licence(s: CredentialsServices, identifier: str) -> Response:
    session = s.unit_of_work.session()
    found = _own_licence(s, session, identifier)
    licence_type = session.get(LicenceType, found.type_code)
    body = presenter.licence_json(found, s.issuer, s.references)
    body["type_name"] = licence_type.name_zh if licence_type else found.type_code
    body["expired"] = found.valid_until <= s.clock()
    body["disclosable"] = _disclosable_names(found.sd_jwt)
    return jsonify(body)


def _disclosable_names(text: str) -> list[str]:
    return sorted(d.name for d in sd_jwt.parse(text).disclosures if d.name is not None)


@routes.post("/licenses/<identifier>/present")
def present(s: CredentialsServices, identifier: str) -> Response:
    body = http_input.json_object()
    names = _disclose(body)
    found = _own_licence(s, s.unit_of_work.session(), identifier)
    try:
        presentation = sd_jwt.present(found.sd_jwt, names)
    except FormatError as exc:
        available = set(_disclosable_names(found.sd_jwt))
        raise ValidationFailed("these claims cannot be disclosed selectively", [
            FieldError(f"disclose[{i}]", "not_disclosable")
            for i, n in enumerate(names) if n not in available]) from exc
    return jsonify({"presentation": presentation, "disclosed": names,
                    "qr_png": _qr_data_url(presentation)})


def _disclose(body: dict[str, Any]) -> list[str]:
    names = body.get("disclose")
    if not isinstance(names, list) or len(names) > MAX_DISCLOSE:
        raise ValidationFailed("disclose must be a list of claim names",
                               [FieldError("disclose", "wrong_type")])
    bad = [FieldError(f"disclose[{i}]", "wrong_type") for i, n in enumerate(names)
           if not isinstance(n, str)]
    if bad:
        raise ValidationFailed("claim names are strings", bad)
    return list(dict.fromkeys(names))


def _qr_data_url(text: str) -> str | None:
    """A presentation is long; it gets a QR only if it fits version 40."""
    import base64

    try:
        rendered = qr_image.render(text, max_version=40, scale=3)
    except QrTooLarge:
        return None
    return "data:image/png;base64," + base64.b64encode(rendered.png).decode()
