"""Online reference QR: ``ISSUER/v/<identifier>?t=<token>``.

The token is unguessable (128 bits of HMAC output, keyed by a secret derived from
SECRET_KEY) and stored only as its SHA-256: a database reader learns no working
link, while the service can re-derive the token to render a licence's QR again.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy.orm import Session

from credentials.formats import base64url
from credentials.models import Licence
from identifiers import InvalidIdentifier, parse_license_id

_CONTEXT = b"onegate/credentials/reference-token/v1"
MAX_TOKEN_LENGTH = 64


def reference_key(secret_key: str | bytes) -> bytes:
    """The key tokens are derived with (a sub-key of the app's SECRET_KEY)."""
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(raw, _CONTEXT, hashlib.sha256).digest()


def token_for(key: bytes, identifier: str) -> str:
    return base64url.encode(hmac.new(key, identifier.encode(), hashlib.sha256).digest()[:16])


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resolve_reference(session: Session, identifier: Any, token: Any) -> Licence | None:
    """The licence a reference QR points at, or None for a bad identifier or token.

    The verify package's page calls this; it never raises for bad input.
    """
    if not isinstance(identifier, str) or not isinstance(token, str):
        return None
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    try:
        parse_license_id(identifier)
    except (InvalidIdentifier, TypeError):
        return None
    licence = session.get(Licence, identifier)
    if licence is None or not hmac.compare_digest(licence.reference_hash, token_hash(token)):
        return None
    return licence
