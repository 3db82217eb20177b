"""The verifier page ``/verify`` and the online reference page ``/v/<identifier>``.

The page's script scans with the camera (vendored jsQR) or posts an uploaded photo
or pasted text to ``/api/v1/verify``; without script the same forms post here and
the result is rendered on the server, so a kiosk with scripts off still works.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from verify import images, labels, service
from verify.pipeline import MAX_TEXT
from verify.ratelimit import RateLimited
from verify.result import VerificationResult

bp = Blueprint("verify_pages", __name__, template_folder="templates",
               static_folder="static", static_url_path="/static/verify")


@bp.get("/verify")
def page():
    return render_template("verify/page.html", result=None, labels=labels)


@bp.post("/verify")
def page_post():
    try:
        service.limiter().hit(f"page|{request.remote_addr or '-'}")
    except RateLimited as exc:
        return _error("请求过于频繁，请稍后再试。", 429, {"Retry-After": str(exc.retry_after)})
    upload = request.files.get("image")
    if upload is not None and upload.filename:
        try:
            text = images.decode_qr(upload.read(images.MAX_BYTES + 1))
        except images.ImageRejected as exc:
            slug = {413: "too-large", 422: "no-qr-code"}.get(exc.status, "image-rejected")
            return _error("无法识别图片中的二维码：" + labels.PROBLEMS[slug], exc.status)
    else:
        text = request.form.get("credential", "")[: MAX_TEXT + 1]
    return _render(service.verifier().verify(text))


@bp.get("/v/<path:identifier>")
def reference(identifier: str):
    token = request.args.get("t", "")
    url = f"{service.base_url()}/v/{identifier}?t={token}"
    result = service.verifier().verify(url)
    status = 404 if result.failed_step == "parse" else 200
    return _render(result, status)


def _render(result: VerificationResult, status: int = 200):
    return render_template("verify/page.html", result=result.to_json(), labels=labels), status


def _error(message: str, status: int, headers: dict | None = None):
    return render_template("verify/page.html", result=None, error=message,
                           labels=labels), status, headers or {}
