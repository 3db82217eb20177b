"""Wiring of the audit trail: the chain key from the KEK, checkpoints signed by the
``audit`` owner's ES256 key of the key ring, the endpoints and their OpenAPI part.

Why a key ring owner of its own and not the provider's ES256 key: the provider's keys
sign ID and access tokens, and relying parties accept what they sign; a checkpoint
must never be mistaken for a token nor a token for a checkpoint, and revoking or
rotating a token key (or pruning it from /jwks after ONEGATE_KEY_RETIRE_AFTER) must
not take the trail's evidence with it. ``onegate keys rotate --owner audit --alg
ES256`` rotates it; its public keys are at /audit/jwks.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import jwt
from flask import Flask

from audit import checkpoint as cp
from audit import keying
from audit import trail as trails
from audit.services import AuditServices
from keys import AUDIT, KeyRevoked, KeyRing, KeysError

if TYPE_CHECKING:
    from credentials.openapi import Fragments
    from credentials.problems import ProblemTypes

ALG = "ES256"


class RingCheckpointSigner:
    """audit.checkpoint.CheckpointSigner over the key ring's ``audit`` owner."""

    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring

    def sign(self, claims: dict[str, Any]) -> str:
        """Raises the key ring's errors (KeyDecryptionError: wrong KEK)."""
        self._ring.ensure(AUDIT, ALG)
        return self._ring.sign_jwt(AUDIT, ALG, claims, {"typ": cp.TYP})

    def verify(self, token: str) -> dict[str, Any]:
        """Raises audit.checkpoint.CheckpointInvalid or CheckpointKeyRevoked."""
        try:
            if jwt.get_unverified_header(token).get("typ") != cp.TYP:
                raise cp.CheckpointInvalid(f"header typ is not {cp.TYP}")
            # A checkpoint's iat records when it was signed, by whichever worker's
            # clock: one ahead of ours is still our signature, not a forgery.
            return self._ring.decode_jwt(token, algorithms=[ALG], owner=AUDIT,
                                         verify_iat=False)
        except KeyRevoked as exc:
            raise cp.CheckpointKeyRevoked(f"signing key {exc} was revoked") from None
        except (KeysError, jwt.InvalidTokenError, ValueError) as exc:
            raise cp.CheckpointInvalid(f"{type(exc).__name__}: {exc}") from None

    def jwks(self) -> dict[str, Any]:
        return self._ring.jwks(AUDIT)


def trail(settings: Mapping[str, Any], ring: KeyRing) -> trails.Trail:
    """The app's Trail: chain key from the KEK, checkpoints signed by the ring's
    ``audit`` key, the cadence from settings."""
    return trails.Trail(
        chain_key=keying.derive_chain_key(settings["KEK_BYTES"]),
        signer=RingCheckpointSigner(ring), issuer=settings["ISSUER"],
        checkpoint_every=settings["AUDIT_CHECKPOINT_EVERY"],
        checkpoint_interval=timedelta(seconds=settings["AUDIT_CHECKPOINT_INTERVAL"]))


def init_app(app: Flask, services: AuditServices, problem_types: ProblemTypes,
             fragments: Fragments) -> None:
    """The checkpoint endpoints, their OpenAPI part and problem type."""
    from audit import openapi, routes
    from credentials.openapi_locale import Translations

    app.register_blueprint(routes.blueprint(services))
    fragments.register(openapi.fragment(), Translations(openapi.ZH, openapi.EN))
    problem_types.register(routes.PROBLEM_TYPES)


def seal_and_key(ring: KeyRing, services: AuditServices) -> None:
    """After migrating: the audit signing key exists and legacy entries are sealed."""
    from audit import log

    ring.ensure(AUDIT, ALG)
    with services.unit_of_work.scope():
        log.seal_legacy(services.unit_of_work.session())
