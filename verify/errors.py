"""Why a verification failed: one class per kind of failure, each naming its step.

Every class carries ``step`` (the pipeline step that raised it), ``status`` (the
verdict it leads to) and the instance's ``reason`` (for people; may change).
The pipeline catches them in one place and turns them into a VerificationResult.
"""

from __future__ import annotations


class VerificationFailed(Exception):
    """Base: the presented licence does not verify."""

    step = "parse"
    status = "invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Malformed(VerificationFailed):
    """Not a licence we can read: garbage, truncated, wrong prefix, wrong typ."""

    step = "parse"


class UntrustedIssuer(VerificationFailed):
    """The issuer is not in the trust list."""

    step = "issuer_trusted"
    status = "untrusted"


class TypeNotAllowed(VerificationFailed):
    """The issuer is trusted, but not for this licence type."""

    step = "issuer_trusted"
    status = "untrusted"


class AlgorithmNotAllowed(VerificationFailed):
    step = "algorithm"


class KeyNotFound(VerificationFailed):
    """The kid is not among the issuer's published keys (unknown or revoked)."""

    step = "key"


class BadSignature(VerificationFailed):
    step = "signature"


class InvalidTime(VerificationFailed):
    """A time claim is missing or not a NumericDate."""

    step = "time"


class Expired(VerificationFailed):
    step = "time"
    status = "expired"


class NotYetValid(VerificationFailed):
    step = "time"
    status = "not_yet_valid"


class Revoked(VerificationFailed):
    step = "status"
    status = "revoked"


class Suspended(VerificationFailed):
    step = "status"
    status = "suspended"


class StatusUnavailable(VerificationFailed):
    """The status list could not be fetched or did not verify: no verdict without it."""

    step = "status"


class BadDisclosure(VerificationFailed):
    """A Disclosure's digest is not in the signed payload, or one appears twice."""

    step = "disclosures"


class KeyBindingFailed(VerificationFailed):
    step = "key_binding"


class ReferenceUnresolved(VerificationFailed):
    """An online reference URL whose identifier and token do not name a licence."""

    step = "parse"
