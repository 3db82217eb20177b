"""ES256 compact JWS signing with ``cryptography`` directly, for the hot paths (access
tokens, licence issuance: docs/PERFORMANCE.md): pyjwt re-prepared the key and
re-checked the algorithm on every call. The bytes are the ones pyjwt writes (header
keys sorted, compact separators), so a token does not change with the path taken.
RFC 7518 section 3.4: the signature is R || S, each 32 bytes big-endian."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


def usable(key: object) -> bool:
    """Whether ``key`` is a P-256 private key this module can sign with."""
    return isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_compact(key: ec.EllipticCurvePrivateKey, header: dict[str, Any],
                 payload: bytes) -> str:
    """``header`` (written as given: the caller sets ``alg``, ``typ``, ``kid``) and the
    ``payload`` bytes, signed: ``header.payload.signature``."""
    signing_input = (_b64(json.dumps(header, separators=(",", ":"), sort_keys=True).encode())
                     + "." + _b64(payload))
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), _ECDSA_SHA256))
    return signing_input + "." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
