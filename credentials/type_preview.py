"""The schema editor's preview: check a proposed type definition and render a sample
licence from it, as a department would issue it - the SD-JWT VC (its header, the
always-disclosed claims and each Disclosure, decoded), the offline QR text, the QR
symbol version it needs and the sizes.

The sample is signed with a throwaway ES256 key made for the preview (never a
department's key), by a placeholder issuer, so a preview is never a licence anyone
could verify. Sample claim values come from each property's ``examples`` (first),
``const``, ``default`` or ``enum`` (first), else a value of its type; a schema whose
sample would not validate says which property needs an ``examples`` value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import segno
from jsonschema import Draft202012Validator, FormatChecker

import keys
from credentials import catalogue, layout, signing, type_definition
from credentials.errors import FieldError, ValidationFailed
from credentials.formats import sd_jwt
from credentials.signing import LicenceFacts
from identifiers import make_license_id
from keys.algorithms import generate_private_key
from keys.jwk import public_jwk, thumbprint

#: GB 11643 / GB 32100 example numbers with valid check characters.
SAMPLE_HOLDERS = {"person": ("111", "11010519491231002X", "张三"),
                  "enterprise": ("001", "91350100M000100Y43", "示例科技有限公司")}
SAMPLE_ISSUER_USCC = "91350100M000100Y43"
SAMPLE_DEPARTMENT = "preview"
_TYPE_SAMPLES = {"string": "示例", "integer": 1, "number": 1, "boolean": True,
                 "array": [], "object": {}}


@dataclass(frozen=True)
class Preview:
    """A rendered sample licence of a valid definition."""

    definition: dict[str, Any]
    vct: str
    claims: dict[str, Any]
    sd_jwt_header: dict[str, Any]
    sd_jwt_payload: dict[str, Any]
    disclosures: list[dict[str, Any]]
    sd_jwt_bytes: int
    offline_qr: str
    qr_version: int | None

    @property
    def fits_offline_qr(self) -> bool:
        return self.qr_version is not None and self.qr_version <= signing.MAX_QR_VERSION

    def to_json(self) -> dict[str, Any]:
        return {"definition": self.definition, "vct": self.vct, "sample_claims": self.claims,
                "sd_jwt": {"header": self.sd_jwt_header, "payload": self.sd_jwt_payload,
                           "disclosures": self.disclosures, "bytes": self.sd_jwt_bytes},
                "offline_qr": {"text": self.offline_qr, "characters": len(self.offline_qr),
                               "format": self.offline_qr.split(":", 1)[0],
                               "qr_version": self.qr_version,
                               "max_qr_version": signing.MAX_QR_VERSION,
                               "fits": self.fits_offline_qr, "error_correction": "Q"}}


def check(definition: Any, *, for_preview: bool = True) -> catalogue.TypeSpec:
    """The definition as a TypeSpec, every field checked (not the departments'
    existence: the catalogue checks that when the type is added).

    Raises ValidationFailed naming every bad field.
    """
    spec = type_definition.read(definition, for_preview=for_preview)
    errors = catalogue.type_errors(spec)
    if errors:
        raise ValidationFailed("the type definition is not valid", errors)
    return spec


def preview(definition: Any, issuer: str, *, now: datetime | None = None) -> Preview:
    """Check ``definition`` and render its sample licence under ``issuer`` (the service
    URL). Raises ValidationFailed (bad fields, or no valid sample for a property)."""
    spec = check(definition)
    claims = sample_claims(spec.json_schema)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    facts = _facts(spec, claims, issuer, now)
    signer = _throwaway_signer()
    shape = _Shape(catalogue.disclosable_of(spec), spec.offline_claims)
    where = {"issuer": issuer, "department_code": SAMPLE_DEPARTMENT,
             "iat": int(now.timestamp())}
    text = signing.issue_sd_jwt(facts, shape, signer, **where)
    offline = signing.issue_offline(facts, shape, signer, **where)
    parsed = sd_jwt.parse(text)
    shown = type_definition.as_json(spec) | {"disclosable": catalogue.disclosable_of(spec)}
    return Preview(definition=shown, vct=layout.vct(issuer, spec.code), claims=claims,
                   sd_jwt_header=parsed.header, sd_jwt_payload=parsed.payload,
                   disclosures=[{"name": d.name, "value": d.value} for d in parsed.disclosures],
                   sd_jwt_bytes=len(text.encode()), offline_qr=offline,
                   qr_version=qr_version(offline))


def sample_claims(schema: dict[str, Any]) -> dict[str, Any]:
    """A claims object for the schema's properties. Raises ValidationFailed naming the
    properties whose sample the schema refuses (give them ``examples``)."""
    claims = {name: _sample(prop) for name, prop in schema.get("properties", {}).items()}
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    bad = sorted({str(e.absolute_path[0]) if e.absolute_path else "" for e in
                  validator.iter_errors(claims)})
    if bad:
        raise ValidationFailed(
            "no valid sample value: add an `examples` value the schema accepts",
            [FieldError(f"json_schema.properties.{name}" if name else "json_schema",
                        "no_valid_sample") for name in bad])
    return claims


def qr_version(text: str) -> int | None:
    """The QR symbol version (1-40) the text needs at level Q, None if none holds it."""
    try:
        return segno.make_qr(text, error="q", boost_error=False, mask=0).version
    except segno.DataOverflowError:
        return None


def _sample(prop: Any) -> Any:
    if not isinstance(prop, dict):
        return _TYPE_SAMPLES["string"]
    for name in ("examples", "enum"):
        if isinstance(prop.get(name), list) and prop[name]:
            return prop[name][0]
    for name in ("const", "default"):
        if name in prop:
            return prop[name]
    kind = prop.get("type")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if kind == "string" and prop.get("format") == "date":
        return "2026-01-01"
    return _TYPE_SAMPLES.get(kind, _TYPE_SAMPLES["string"])


@dataclass(frozen=True)
class _Shape:
    """What signing reads of a type (credentials.signing.SigningType)."""

    disclosable: list[str]
    offline_claims: list[str]


def _facts(spec: catalogue.TypeSpec, claims: dict[str, Any], issuer: str,
           now: datetime) -> LicenceFacts:
    code_type, number, name = SAMPLE_HOLDERS[spec.holder_kind]
    identifier = str(make_license_id(spec.code, SAMPLE_ISSUER_USCC, "PREVIEW0000001", 1))
    return LicenceFacts(
        identifier=identifier, type_code=spec.code, type_name=spec.name_zh,
        holder_code_type=code_type, holder_number=number, holder_name=name, claims=claims,
        valid_from=now, valid_until=now + timedelta(days=spec.validity_days), status_idx=0,
        status_uri=layout.status_uri(issuer, SAMPLE_DEPARTMENT, "preview"))


def _throwaway_signer() -> keys.Signer:
    private = generate_private_key(catalogue.SIGNING_ALG)
    return keys.Signer(kid=thumbprint(public_jwk(private.public_key())),
                       alg=catalogue.SIGNING_ALG, private_key=private)
