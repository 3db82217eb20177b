"""The two signed forms a verifier meets, behind one small interface.

``SdJwtPresentation`` (SD-JWT VC text) and ``OfflinePresentation`` (``LIC1:`` QR
text) expose what the pipeline's steps ask: the unverified routing facts (issuer,
alg, kid, licence type), then signature, times, status reference, Disclosures and
Key Binding. Parsing here is structure only; nothing is trusted until the
signature step has run. Pure: credentials.formats and identifiers only.

``trusted_issuer(trust)`` finds the presentation's issuer in the trust list: by
``iss`` URL for the SD-JWT VC; by department code for the offline form, whose
compact payload names its issuer, key and status list by reference
(credentials.formats.offline_qr): once its issuer is found it reports that issuer's
URL as ``iss``, the published JWK ``kid`` its 8-byte kid designates as ``kid``, and
``<issuer URL>/status/<list id>`` as its status list URI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from credentials.formats import (
    base64url,
    compact_licence,
    cose,
    disclosure,
    jws,
    key_binding,
    offline_qr,
    sd_jwt,
    sd_jwt_vc,
)
from credentials.formats.errors import FormatError
from verify.errors import Malformed

if TYPE_CHECKING:
    from verify.sources import TrustedIssuer, TrustSource

_TYPE_CODE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
ID_CLAIMS = ("licence_id", "license_id", "identifier", "id", "jti")
TYPE_CLAIMS = ("licence_type", "license_type", "type_code")
REGISTERED = frozenset({"iss", "vct", "iat", "nbf", "exp", "status", "cnf", "_sd_alg", "sub"})


@dataclass(frozen=True)
class KeyBindingRequest:
    """What this verifier demands of a holder's Key Binding JWT."""

    audience: str
    nonce: str
    max_age_seconds: int = 300


@dataclass
class SdJwtPresentation:
    """An SD-JWT VC, optionally with a KB-JWT."""

    parsed: sd_jwt.ParsedSdJwt
    form: str = "sd_jwt_vc"
    verified: sd_jwt.VerifiedSdJwt | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str) -> SdJwtPresentation:
        """Raises Malformed (wrong shape, typ or missing vct/iss)."""
        try:
            issuer_jwt, *raw, last = text.split(sd_jwt.SEPARATOR)
            if any(not item for item in raw):
                raise Malformed("empty Disclosure between '~' separators")
            header, payload = jws.unverified_parts(issuer_jwt)
            disclosures = tuple(disclosure.decode(item) for item in raw)
            if last:
                jws.unverified_parts(last)
        except FormatError as exc:
            raise Malformed(f"not an SD-JWT ({exc.code})") from exc
        if header.get("typ") != sd_jwt_vc.TYP:
            raise Malformed(f"JOSE typ must be {sd_jwt_vc.TYP}")
        if not isinstance(payload.get("vct"), str) or not isinstance(payload.get("iss"), str):
            raise Malformed("an SD-JWT VC needs string iss and vct")
        return cls(sd_jwt.ParsedSdJwt(issuer_jwt, header, payload, disclosures, last or None))

    @property
    def iss(self) -> str:
        return self.parsed.payload["iss"]

    def trusted_issuer(self, trust: TrustSource) -> TrustedIssuer | None:
        return trust.issuer(self.iss)

    @property
    def alg(self) -> Any:
        return self.parsed.header.get("alg")

    @property
    def kid(self) -> Any:
        return self.parsed.header.get("kid")

    def _claim(self, names: tuple[str, ...]) -> Any:
        # Routing only: plaintext first, then a Disclosure of that name. The digest
        # check later rejects a Disclosure the issuer did not sign.
        for name in names:
            if isinstance(self.parsed.payload.get(name), str):
                return self.parsed.payload[name]
        for item in self.parsed.disclosures:
            if item.name in names and isinstance(item.value, str):
                return item.value
        return None

    def identifier(self) -> str | None:
        return self._claim(ID_CLAIMS)

    def type_code(self) -> str | None:
        explicit = self._claim(TYPE_CLAIMS)
        if explicit:
            return explicit
        found = _TYPE_CODE.findall(self.parsed.payload["vct"])
        return found[-1] if found else None

    def verify_signature(self, public_key: Any, alg: str) -> None:
        """Raises FormatError subclasses (InvalidSignature, KeyAlgorithmMismatch...)."""
        self.verified = sd_jwt.verify_signature(self.parsed, public_key, (alg,))

    def times(self) -> dict[str, Any]:
        payload = self._payload()
        return {name: payload.get(name) for name in ("iat", "nbf", "exp")}

    def status_reference(self) -> tuple[Any, Any] | None:
        status = self._payload().get("status")
        if status is None:
            return None
        ref = status.get("status_list") if isinstance(status, dict) else None
        if not isinstance(ref, dict):
            return (None, None)
        return ref.get("idx"), ref.get("uri")

    def disclosed_claims(self) -> dict[str, Any]:
        """Raises FormatError subclasses for digest mismatches and duplicates."""
        claims = sd_jwt.resolve_disclosures(self.verified)
        return {k: v for k, v in claims.items() if k not in REGISTERED}

    def check_key_binding(self, request: KeyBindingRequest | None, now: int) -> str:
        """Raises FormatError (KeyBindingError family) when a requested binding fails."""
        if request is None:
            if self.parsed.kb_jwt is not None:
                return "KB-JWT present but this verifier asked for no binding"
            return "not requested"
        key_binding.verify_key_binding(self.verified, audience=request.audience,
                                       nonce=request.nonce,
                                       max_age_seconds=request.max_age_seconds, now=now)
        return "holder key binding verified"

    def _payload(self) -> dict[str, Any]:
        if self.verified is None:
            raise RuntimeError("signature step has not run")
        return self.verified.payload


@dataclass
class OfflinePresentation:
    """A ``LIC1:`` offline QR text: COSE_Sign1 over CWT claims."""

    decoded: offline_qr.DecodedOffline
    licence: dict[str, Any]
    form: str = "offline_qr"
    verified: bool = False
    issuer: TrustedIssuer | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, text: str) -> OfflinePresentation:
        """Raises Malformed."""
        try:
            decoded = offline_qr.decode(text)
            licence = compact_licence.unpack(decoded.claims.licence)
        except FormatError as exc:
            raise Malformed(f"not a readable offline code ({exc.code})") from exc
        return cls(decoded, licence)

    @property
    def department(self) -> str:
        """The department code the CWT ``iss`` carries."""
        return self.decoded.claims.iss

    def trusted_issuer(self, trust: TrustSource) -> TrustedIssuer | None:
        """The one trusted issuer whose code is ``iss``, remembered for the later steps."""
        found = [entry for entry in trust.issuers() if entry.code == self.department]
        self.issuer = found[0] if len(found) == 1 else None
        return self.issuer

    @property
    def iss(self) -> str:
        """The issuer URL once the issuer is found in the trust list, else the code."""
        return self.issuer.issuer if self.issuer else self.department

    @property
    def alg(self) -> str:
        return self.decoded.alg

    @property
    def kid(self) -> str:
        """The issuer's published JWK ``kid`` the 8-byte COSE kid designates (exactly one
        must match); else the 8 bytes in base64url, which names no published key."""
        if self.issuer is not None:
            found = [jwk["kid"] for jwk in self.issuer.jwks
                     if offline_qr.kid_matches(self.decoded.kid, jwk.get("kid"))]
            if len(found) == 1:
                return found[0]
        return base64url.encode(self.decoded.kid)

    def identifier(self) -> str:
        return self.licence["identifier"]

    def type_code(self) -> str:
        return self.licence["type_code"]

    def verify_signature(self, public_key: Any, alg: str) -> None:
        cose.verify_sign1(self.decoded.message, public_key)
        self.verified = True

    def times(self) -> dict[str, Any]:
        claims = self.decoded.claims
        return {"iat": claims.iat, "nbf": claims.nbf, "exp": claims.exp}

    def status_reference(self) -> tuple[Any, Any] | None:
        if self.licence["status_idx"] is None:
            return None
        if self.issuer is None:
            raise RuntimeError("issuer step has not run")
        uri = compact_licence.status_uri(self.issuer.issuer, self.licence["status_list_id"])
        return self.licence["status_idx"], uri

    def disclosed_claims(self) -> dict[str, Any]:
        if not self.verified:
            raise RuntimeError("signature step has not run")
        return {"holder_name": self.licence["holder_name"],
                "holder_code_type": self.licence["holder_code_type"],
                "holder_code": self.licence["holder_code"], **self.licence["key_claims"]}

    def check_key_binding(self, request: KeyBindingRequest | None, now: int) -> str:
        if request is not None:
            # Printed codes carry no holder key: a verifier that demands binding
            # must ask for the SD-JWT presentation.
            from verify.errors import KeyBindingFailed

            raise KeyBindingFailed("an offline QR code cannot prove holder key binding")
        return "not applicable to the offline form"


Presentation = SdJwtPresentation | OfflinePresentation
