"""Typed errors of the credentials service, each carrying its HTTP status, problem type
slug and title (RFC 9457), and the offending fields as ``errors: [{field, reason}]``.

Views raise them; one error handler per blueprint (``credentials.problems``) turns
them into ``application/problem+json``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One offending input field: a dotted path (``holder.number``) and a machine reason."""

    field: str
    reason: str
    message: str | None = None

    def to_json(self) -> dict[str, str]:
        body = {"field": self.field, "reason": self.reason}
        if self.message:
            body["message"] = self.message
        return body


class CredentialsError(Exception):
    """Base class: ``status``, ``slug`` (problem type), ``title``; optional detail/errors."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str | None = None, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors or [])
        self.headers = dict(headers or {})


class MalformedRequest(CredentialsError):
    """The body is not a JSON object of the documented shape."""

    status, slug, title = 400, "malformed-request", "Malformed request"


class UnsupportedMediaType(CredentialsError):
    """The body was declared as something other than JSON."""

    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationFailed(CredentialsError):
    """Well-formed JSON, but fields are invalid (identifiers, schema, dates)."""

    status, slug, title = 422, "validation-failed", "Validation failed"


class UnknownType(ValidationFailed):
    """The licence type code is not in the catalogue (checked before the token's scope:
    a scope for a type that does not exist cannot be held)."""

    slug, title = "unknown-type", "Unknown licence type"


class TypeRetired(ValidationFailed):
    """The licence type is retired: it issues no new licences (re-issues included);
    licences issued before it was retired still verify. 422 like an unknown type: the
    request names a type that cannot be used, whatever the caller may do."""

    slug, title = "type-retired", "Licence type retired"


class InvalidToken(CredentialsError):
    """RFC 6750 section 3.1 ``invalid_token``: missing, malformed, expired or foreign."""

    status, slug, title = 401, "invalid-token", "Invalid access token"
    oauth_error: str | None = "invalid_token"


class MissingToken(InvalidToken):
    """RFC 6750 section 3.1: no authentication information, so no error code."""

    slug, title = "missing-token", "Access token required"
    oauth_error = None


class InsufficientScope(CredentialsError):
    """RFC 6750 section 3.1 ``insufficient_scope``."""

    status, slug, title = 403, "insufficient-scope", "Insufficient scope"
    oauth_error = "insufficient_scope"


class Forbidden(CredentialsError):
    """The token is fine but the caller may not act on this resource."""

    status, slug, title = 403, "forbidden", "Forbidden"


class IdentityScopeRequired(Forbidden):
    """A wallet token without ``cn_id_number`` / ``cn_uscc``."""

    slug, title = "identity-scope-required", "Identity scope required"


class DepartmentNotAllowed(Forbidden):
    """The caller's department is not (or no longer) among the departments allowed to
    issue this licence type; the catalogue's operators choose them."""

    slug, title = "department-not-allowed", "Department not allowed to issue this type"


class NotFound(CredentialsError):
    status, slug, title = 404, "not-found", "Not found"


class InvalidTransition(CredentialsError):
    """A lifecycle step the state does not allow: a licence's (revoking a revoked one,
    reinstating a valid one) or a licence type's (retiring a retired type, adding a
    version to it)."""

    status, slug, title = 409, "invalid-transition", "Invalid state transition"


class IdempotencyKeyReused(CredentialsError):
    """The same Idempotency-Key came with a different request body."""

    status, slug, title = 409, "idempotency-key-reused", "Idempotency key reused"


class BatchTooLarge(CredentialsError):
    status, slug, title = 413, "batch-too-large", "Batch too large"


class IssuerUnavailable(CredentialsError):
    """The department has no active signing key."""

    status, slug, title = 503, "issuer-unavailable", "Issuer cannot sign"


class ReferenceUnavailable(CredentialsError):
    """A licence issued before 0.2 whose reference token came from a SECRET_KEY that has
    since changed: the token cannot be derived again; re-issuing gives a new one."""

    status, slug, title = 409, "reference-unavailable", "Reference QR not available"


#: Every problem type the API answers with (OpenAPI and /api/v1/problems/<slug>).
PROBLEM_TYPES = {cls.slug: cls for cls in (
    CredentialsError, MalformedRequest, UnsupportedMediaType, ValidationFailed, UnknownType,
    TypeRetired, InvalidToken, MissingToken, InsufficientScope, Forbidden,
    IdentityScopeRequired, DepartmentNotAllowed, NotFound, InvalidTransition,
    IdempotencyKeyReused, BatchTooLarge, IssuerUnavailable, ReferenceUnavailable)}
