"""The verifier page ``/verify`` and the online reference page ``/v/<identifier>``.

The page's script scans with the camera (vendored jsQR) or posts an uploaded photo
or pasted text to ``/api/v1/verify``; without script the same forms post here and
the result is rendered on the server, so a kiosk with scripts off still works.

Both the form post and the reference page are rate-limited per client address,
counted across workers (verify.ratelimit); over the limit, or when the shared counter
cannot be reached, the page says how long to wait (429 or 503, with Retry-After).

Offline: the page registers a service worker (``/verify/offline-worker.js``, scope
``/verify``) and keeps itself, its scripts and the signed offline bundle in the
browser's cache; with no network, ``static/offline.js`` verifies the offline QR form
in the page against that bundle (README "Verifying offline in the browser").
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, render_template, request, send_from_directory, url_for
from flask_babel import get_locale
from sqlalchemy import exc as sa_exc

from credentials.routes import Routes
from verify import circumstances, images, trust_list
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

    def __init__(self, services: VerifyServices, message: str, status: int,
                 retry_after: int) -> None:
        super().__init__(message)
        self.services = services
        self.message, self.status, self.retry_after = message, status, retry_after


def _refused(exc: _Refused):
    return _error(exc.services, exc.message, exc.status, {"Retry-After": str(exc.retry_after)})


def _rate_limit(s: VerifyServices, surface: str) -> None:
    """Raises _Refused (429 over the limit, 503 when the counter is unreachable)."""
    try:
        s.limiter.hit(f"{surface}|{request.remote_addr or '-'}")
    except RateLimited as exc:
        raise _Refused(s, _labels().words["busy"].format(seconds=exc.retry_after), 429,
                       exc.retry_after) from exc
    except Unavailable as exc:
        raise _Refused(s, _labels().words["unavailable"].format(seconds=exc.retry_after), 503,
                       exc.retry_after) from exc


#: The offline worker's scope: the page, not the whole site (verify.static/offline-worker.js).
WORKER_SCOPE = "/verify"
BUNDLE_PATH = "/api/v1/offline-bundle?format=json"


@routes.get("/verify")
def page(s: VerifyServices):
    return _page(s)


@routes.get("/verify/offline-worker.js")
def offline_worker(s: VerifyServices):
    """The service worker, allowed to control ``/verify`` (its own path would limit it
    to ``/verify/``); revalidated on every registration check."""
    response = send_from_directory(_static_folder(), "offline-worker.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = WORKER_SCOPE
    response.headers["Cache-Control"] = "no-cache"
    return response


def _static_folder() -> str:
    return str(Path(__file__).resolve().parent / "static")


def offline_config(s: VerifyServices) -> dict:
    """What the page's offline verifier needs, rendered into the page (and so kept with
    it in the worker's cache): the provider keys a bundle must be signed with (pinned
    at this visit, never taken from the bundle itself), the leeway of the server's
    pipeline, and the URLs to keep for use without a network."""
    static = [url_for("admin_static.static", filename="onegate.css"),
              *(url_for("verify_pages.static", filename=name)
                for name in ("verify.css", "vendor/jsQR.js", "verify.js", "offline-formats.js",
                          "offline.js"))]
    return {"provider_jwks": s.keyring.jwks(trust_list.SIGNING_OWNER),
            "leeway": s.settings.leeway, "bundle": BUNDLE_PATH,
            "worker": url_for("verify_pages.offline_worker"), "scope": WORKER_SCOPE,
            "precache": [WORKER_SCOPE, *static, BUNDLE_PATH]}


def _page(s: VerifyServices, status: int = 200, headers: dict | None = None, **context):
    context.setdefault("result", None)
    return render_template("verify/page.html", labels=_labels(), offline=offline_config(s),
                           **context), status, headers or {}


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
            return _error(s, words.words["image"] + words.problems[slug], exc.status)
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
    return _render(s, result, at, status, {"Cache-Control": "no-store"})


def _render(s: VerifyServices, result: VerificationResult, at: datetime, status: int = 200,
            headers: dict | None = None):
    changed = result.status in circumstances.CHANGED_STATES
    checked = circumstances.online(result, at, s.unit_of_work.session() if changed else None)
    return _page(s, status, headers, result={**result.to_json(), "checked": checked})


#: The key store cannot be read: the database is down or its pool exhausted.
_STORE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
               sa_exc.TimeoutError)


def _error(s: VerifyServices, message: str, status: int, headers: dict | None = None):
    """A refusal page. When the refusal comes from an outage (the rate counter, and so
    the key store, unreachable), the page renders without the offline verifier, whose
    pinned keys it cannot read: still the readable 503, never a 500 from the handler."""
    try:
        offline = offline_config(s)
    except _STORE_DOWN:
        offline = None
    return render_template("verify/page.html", labels=_labels(), offline=offline,
                           result=None, error=message), status, headers or {}


def _labels() -> Labels:
    """The page's wording in the request's language (idp.i18n's choice: ui_locales,
    the language switch, Accept-Language; Chinese first)."""
    return Labels(english=str(get_locale()) == "en")
