"""The verifier page ``/verify`` and the online reference page ``/v/<identifier>``.

The page's script scans with the camera (vendored jsQR) or posts an uploaded photo
or pasted text to ``/api/v1/verify``; without script the same forms post here and
the result is rendered on the server, so a kiosk with scripts off still works.

Both the form post and the reference page are rate-limited per client address,
counted across workers (verify.ratelimit); over the limit, or when the shared counter
cannot be reached, the page says how long to wait (429 or 503, with Retry-After).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template, request
from flask_babel import get_locale

from credentials.routes import Routes
from verify import circumstances, images
from verify.page_labels import Labels
from verify.pipeline import MAX_TEXT
from verify.ratelimit import RateLimited, Unavailable
from verify.result import VerificationResult
from verify.services import VerifyServices

routes = Routes()


def blueprint(services: VerifyServices) -> Blueprint:
    """The pages, their views closed over ``services``."""
    bp = Blueprint("verify_pages", __name__, template_folder="templates",
                   static_folder="static", static_url_path="/static/verify")
    bp.register_error_handler(_Refused, _refused)
    return routes.bind(bp, services)


class _Refused(Exception):
    """A rate-limit refusal rendered as a page."""

    def __init__(self, message: str, status: int, retry_after: int) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


def _refused(exc: _Refused):
    return _error(exc.message, exc.status, {"Retry-After": str(exc.retry_after)})


def _rate_limit(s: VerifyServices, surface: str) -> None:
    """Raises _Refused (429 over the limit, 503 when the counter is unreachable)."""
    try:
        s.limiter.hit(f"{surface}|{request.remote_addr or '-'}")
    except RateLimited as exc:
        raise _Refused(_labels().words["busy"].format(seconds=exc.retry_after), 429,
                       exc.retry_after) from exc
    except Unavailable as exc:
        raise _Refused(_labels().words["unavailable"].format(seconds=exc.retry_after), 503,
                       exc.retry_after) from exc


@routes.get("/verify")
def page(s: VerifyServices):
    return render_template("verify/page.html", result=None, labels=_labels())


@routes.post("/verify")
def page_post(s: VerifyServices):
    _rate_limit(s, "page")
    upload = request.files.get("image")
    if upload is not None and upload.filename:
        try:
            text = images.decode_qr(upload.read(images.MAX_BYTES + 1))
        except images.ImageRejected as exc:
            slug = {413: "too-large", 422: "no-qr-code"}.get(exc.status, "image-rejected")
            words = _labels()
            return _error(words.words["image"] + words.problems[slug], exc.status)
    else:
        text = request.form.get("credential", "")[: MAX_TEXT + 1]
    at = datetime.now(UTC)
    return _render(s, s.verifier.verify(text), at)


@routes.get("/v/<path:identifier>")
def reference(s: VerifyServices, identifier: str):
    _rate_limit(s, "reference")
    token = request.args.get("t", "")
    url = f"{s.base_url}/v/{identifier}?t={token}"
    at = datetime.now(UTC)
    result = s.verifier.verify(url)
    status = 404 if result.failed_step == "parse" else 200
    # The URL carries the reference token: no browser or proxy cache keeps the page.
    return *_render(s, result, at, status), {"Cache-Control": "no-store"}


def _render(s: VerifyServices, result: VerificationResult, at: datetime, status: int = 200):
    changed = result.status in circumstances.CHANGED_STATES
    checked = circumstances.online(result, at, s.unit_of_work.session() if changed else None)
    return render_template("verify/page.html", result={**result.to_json(), "checked": checked},
                           labels=_labels()), status


def _error(message: str, status: int, headers: dict | None = None):
    return render_template("verify/page.html", result=None, error=message,
                           labels=_labels()), status, headers or {}


def _labels() -> Labels:
    """The page's wording in the request's language (idp.i18n's choice: ui_locales,
    the language switch, Accept-Language; Chinese first)."""
    return Labels(english=str(get_locale()) == "en")
