"""Both forms of a licence, signed with the department's active ES256 key:
the SD-JWT VC (online) and the ``LIC1:`` COSE/CWT text (offline QR)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import segno

from credentials import layout
from credentials.formats import compact_licence, offline_qr, sd_jwt_vc, status_list

#: A typical licence must fit QR version 20 (issue 4).
MAX_QR_VERSION = 20


class SigningType(Protocol):
    """What signing reads of a licence type (a LicenceType row or an IssuerCache TypeInfo)."""

    @property
    def disclosable(self) -> Sequence[str]: ...

    @property
    def offline_claims(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class LicenceFacts:
    """Everything that goes into a credential, independent of storage."""

    identifier: str
    type_code: str
    type_name: str
    holder_code_type: str
    holder_number: str
    holder_name: str
    claims: dict[str, Any]
    valid_from: datetime
    valid_until: datetime
    status_idx: int
    status_uri: str
    #: The version of the type the licence is issued under (its ``vct`` names it).
    type_version: int = 1


def sd_jwt_claims(facts: LicenceFacts) -> dict[str, Any]:
    return {"license_id": facts.identifier, "license_type": facts.type_code,
            "license_name": facts.type_name, "holder_id_type": facts.holder_code_type,
            "holder_name": facts.holder_name, "holder_id": facts.holder_number,
            **facts.claims}


def issue_sd_jwt(facts: LicenceFacts, licence_type: SigningType, signer: Any, *, issuer: str,
                 department_code: str, iat: int) -> str:
    """The SD-JWT VC; claims named by the type's ``disclosable`` become Disclosures."""
    claims = sd_jwt_claims(facts)
    disclosable = set(licence_type.disclosable) & set(claims) - set(layout.FIXED_CLAIMS)
    return sd_jwt_vc.issue(
        claims, disclosable, private_key=signer.private_key, alg=signer.alg, kid=signer.kid,
        iss=layout.issuer_url(issuer, department_code),
        vct=layout.vct(issuer, facts.type_code, facts.type_version),
        iat=iat, nbf=int(facts.valid_from.timestamp()), exp=int(facts.valid_until.timestamp()),
        status=status_list.reference(facts.status_idx, facts.status_uri))


def issue_offline(facts: LicenceFacts, licence_type: SigningType, signer: Any, *, issuer: str,
                  department_code: str, iat: int) -> str:
    """The offline QR text with the type's few always-disclosed ``offline_claims``.

    Compact by reference (credentials.formats.offline_qr): ``iss`` is the department
    code, the COSE ``kid`` the first 8 bytes of the key's thumbprint, and the status
    is the list id and index, the URI being ``<issuer URL>/status/<list id>``.
    Raises ValueError if the licence's status URI is not of that form.
    """
    key_claims = {n: facts.claims[n] for n in licence_type.offline_claims if n in facts.claims}
    list_id = facts.status_uri.rsplit("/", 1)[-1]
    issuer_url = layout.issuer_url(issuer, department_code)
    if compact_licence.status_uri(issuer_url, list_id) != facts.status_uri:
        raise ValueError("the status URI is not <issuer URL>/status/<list id>")
    packed = compact_licence.pack(
        identifier=facts.identifier, holder_name=facts.holder_name,
        holder_code_type=facts.holder_code_type, holder_code=facts.holder_number,
        key_claims=key_claims, status_list_id=list_id, status_idx=facts.status_idx)
    return offline_qr.encode(
        packed, private_key=signer.private_key, kid=signer.kid, alg=signer.alg,
        iss=department_code, iat=iat,
        nbf=int(facts.valid_from.timestamp()), exp=int(facts.valid_until.timestamp()))


@functools.cache
def offline_capacity(max_version: int = MAX_QR_VERSION) -> int:
    """Alphanumeric characters a version-``max_version`` QR holds at level Q.

    Found once with segno (fixed mask, so no mask search) by bisection.
    """
    low, high = 1, 4296
    while low < high:
        middle = (low + high + 1) // 2
        try:
            fits = segno.make_qr("A" * middle, error="q", mode="alphanumeric", mask=0,
                                 boost_error=False).version <= max_version
        except segno.DataOverflowError:
            fits = False
        low, high = (middle, high) if fits else (low, middle - 1)
    return low


def fits_offline_qr(text: str) -> bool:
    return len(text) <= offline_capacity()
