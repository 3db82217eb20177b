"""JSON views of licences for the API and the wallet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from credentials import layout, public_reasons
from credentials.errors import ReferenceUnavailable
from credentials.models import Licence
from credentials.references import ReferenceKeys


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def links(licence: Licence, issuer: str, references: ReferenceKeys) -> dict[str, str]:
    """The licence's URLs; ``reference_url`` is left out when its token cannot be
    derived any more (references.ReferenceKeys.token_of)."""
    base = layout.licence_url(issuer, licence.identifier)
    found = {"self": base, "qr_png": base + "/qr.png", "qr_svg": base + "/qr.svg",
             "offline_qr_png": base + "/qr.png", "reference_qr_png": base + "/reference-qr.png",
             "reference_qr_svg": base + "/reference-qr.svg"}
    try:
        found["reference_url"] = layout.reference_url(issuer, licence.identifier,
                                                      references.token_of(licence))
    except ReferenceUnavailable:
        pass  # issued before 0.2 under a SECRET_KEY since rotated: re-issue for a new one
    return found


def licence_json(licence: Licence, issuer: str, references: ReferenceKeys) -> dict[str, Any]:
    return {
        "identifier": licence.identifier,
        "version": int(licence.version),
        "type": licence.type_code,
        "type_version": licence.type_version,
        "vct": layout.vct(issuer, licence.type_code, licence.type_version),
        "department": licence.department_code,
        "holder": {"code_type": licence.holder_code_type, "number": licence.holder_number,
                   "name": licence.holder_name},
        "claims": licence.claims,
        "valid_from": _iso(licence.valid_from),
        "valid_until": _iso(licence.valid_until),
        "issued_at": _iso(licence.issued_at),
        "state": licence.state,
        "state_reason": licence.state_reason,
        "state_changed_at": _iso(licence.state_changed_at),
        "public_reason": public_reasons.of(licence.public_reason, licence.public_note),
        "previous": licence.previous_identifier,
        "superseded_by": licence.superseded_by,
        "sd_jwt": licence.sd_jwt,
        "offline_qr": licence.offline_qr,
        "status": {"idx": licence.status_idx,
                   "uri": layout.status_uri(issuer, licence.department_code,
                                            licence.status_list_id)},
        "links": links(licence, issuer, references),
    }


def wallet_summary(licence: Licence, type_name: str | None, now: datetime) -> dict[str, Any]:
    return {"identifier": licence.identifier, "type": licence.type_code,
            "type_name": type_name or licence.type_code, "holder_name": licence.holder_name,
            "state": licence.state, "expired": licence.valid_until <= now,
            "state_changed_at": _iso(licence.state_changed_at) if licence.state != "valid"
            else None,
            "public_reason": public_reasons.of(licence.public_reason, licence.public_note),
            "valid_from": _iso(licence.valid_from), "valid_until": _iso(licence.valid_until)}
