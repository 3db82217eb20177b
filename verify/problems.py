"""verify's problem types and its raise-in-a-view ``Problem``; the responses are built
by ``credentials.problems`` (RFC 9457), the one problem-details module, through the
app's ``ProblemTypes`` registry (where ``PROBLEM_TYPES`` is registered)."""

from __future__ import annotations

from typing import Any

from flask import Response

from credentials import problems

MEDIA_TYPE = problems.MEDIA_TYPE


def field_error(field: str, reason: str, message: str | None = None) -> dict[str, str]:
    """One entry of a problem's ``errors``: the offending field (a body member, a dotted
    path, a query parameter or a header name) and a machine reason."""
    body = {"field": field, "reason": reason}
    if message:
        body["message"] = message
    return body


def typed(slug: str, detail: str | None = None, *, status: int | None = None,
          title: str | None = None, errors: list[dict[str, str]] | None = None,
          headers: dict[str, str] | None = None) -> Problem:
    """A Problem of one of ``PROBLEM_TYPES``, with its registered status and title."""
    registered_status, registered_title, _ = PROBLEM_TYPES[slug]
    extra: dict[str, Any] = {"errors": errors} if errors else {}
    return Problem(status or registered_status, title or registered_title, detail, slug=slug,
                   headers=headers, **extra)


class Problem(Exception):
    """Raised in a view, answered as problem+json by the blueprint's handler."""

    def __init__(self, status: int, title: str, detail: str | None = None, *,
                 slug: str | None = None, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.slug = status, title, detail, slug
        self.headers, self.extra = headers or {}, extra

    def response(self, types: problems.ProblemTypes) -> Response:
        """The problem+json response; ``slug`` names a type under /api/v1/problems/ (an
        HTTP status type when omitted)."""
        return types.problem(self.status, self.title, slug=self.slug, detail=self.detail,
                             headers=self.headers, **self.extra)


#: The problem types verify answers with, served at /api/v1/problems/<slug>
#: through ``credentials.problems.ProblemTypes.register``.
PROBLEM_TYPES = {
    "credential-missing": (400, "Credential missing",
                           "The request carried neither a credential text nor an image."),
    "image-missing": (400, "Image missing", "A multipart request needs an `image` part."),
    "image-rejected": (415, "Image rejected",
                       "The upload is not a PNG, JPEG, GIF, BMP or WebP image we can decode."),
    "key-binding-request": (400, "Bad key binding request",
                            "`key_binding` needs an `audience` and a `nonce`."),
    "purpose": (400, "Purpose missing or invalid",
                "An authenticated use needs a `purpose` of 1 to 200 printable characters."),
    "bad-header": (400, "Invalid header",
                   "A header is unusable: `X-Onegate-Staff` must be at most 100 characters, "
                   "with no control characters, and percent-encoded UTF-8 when not ASCII "
                   "(`%` followed by two hex digits)."),
    "paging": (400, "Bad paging parameters",
               "`limit` is a whole number from 1 to 500 (default 100); `offset` from 0."),
    "bad-parameter": (400, "Invalid query parameter",
                      "A query parameter has a value the endpoint does not accept; "
                      "`errors` names it (for example `format`, which is `json` or absent)."),
    "no-qr-code": (422, "No QR code found",
                   "The image was read but holds no readable QR code."),
    "holder-not-identified": (403, "Holder not identified",
                              "The access token carries no `cn_id_number` or `cn_uscc`: "
                              "ask the holder for the `identity` scope."),
    "rate-limited": (429, "Too many verifications",
                     "Wait for the number of seconds in Retry-After."),
    "rate-limit-unavailable": (503, "Rate limit unavailable",
                               "The shared rate-limit store (Redis) cannot be reached, so "
                               "the request is refused rather than not counted; retry after "
                               "the number of seconds in Retry-After."),
    "too-large": (413, "Content too large", "The credential text or image is too large."),
    # RFC 6750 section 3.1 error codes, also the slugs of the bearer-token problems.
    "unauthorized": (401, "Access token required",
                     "Send an access token: Authorization: Bearer <token>."),
    "invalid_request": (400, "Malformed Authorization header", "Use the Bearer scheme."),
    "invalid_token": (401, "Invalid access token",
                      "The token is malformed, expired, revoked or not ours."),
    "insufficient_scope": (403, "Insufficient scope",
                           "The token lacks the scope named in WWW-Authenticate."),
    "unsupported-media-type": (415, "Unsupported media type",
                               "Send application/json or multipart/form-data."),
}
