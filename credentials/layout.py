"""Names of the claims every licence carries besides its type's own claims, and the
URLs derived from the service's ISSUER. One place, so issuance, the catalogue's
checks and the wallet agree."""

from __future__ import annotations

#: Always plaintext in the SD-JWT VC: they say what the credential is.
FIXED_CLAIMS = ("license_id", "license_type", "license_name", "holder_id_type")
#: About the holder; each type says whether they are always or selectively disclosed.
HOLDER_CLAIMS = ("holder_name", "holder_id")
#: Registered (SD-JWT VC) and SD-JWT reserved names a type's schema may not use.
RESERVED = frozenset({"iss", "vct", "iat", "nbf", "exp", "status", "cnf", "sub", "jti",
                      "_sd", "_sd_alg", "..."}) | set(FIXED_CLAIMS) | set(HOLDER_CLAIMS)

HOLDER_CODE_TYPES = {"111": "person", "001": "enterprise"}


def issuer_url(issuer: str, department_code: str) -> str:
    return f"{issuer}/issuers/{department_code}"


def vct(issuer: str, type_code: str, version: int = 1) -> str:
    """The ``vct`` of a licence issued under ``version`` of its type. Version 1 keeps the
    URL licences carried before types had versions (so theirs still resolves to what
    they were issued under); later versions get their own immutable URL."""
    if version == 1:
        return f"{issuer}/types/{type_code}"
    return f"{issuer}/types/{type_code}/versions/{version}"


def status_uri(issuer: str, department_code: str, list_id: str) -> str:
    return f"{issuer}/issuers/{department_code}/status/{list_id}"


def licence_url(issuer: str, identifier: str) -> str:
    return f"{issuer}/api/v1/licenses/{identifier}"


def reference_url(issuer: str, identifier: str, token: str) -> str:
    return f"{issuer}/v/{identifier}?t={token}"
