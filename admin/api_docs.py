"""/api/docs: the API reference rendered in the browser by Swagger UI, vendored under
admin/static/vendor (no CDN; see its VENDORED.md), from /api/v1/openapi.json in the
page's language (``?lang=zh-CN`` or ``?lang=en``: the same document, its texts
translated by credentials.openapi_locale, never a copy). The page keeps the site's
strict CSP: no inline script or style, nothing loaded from elsewhere; the one script of
ours (api-docs.js) starts the renderer with "Try it out" switched off (a reference, not
a client) and no validator badge (which would call validator.swagger.io)."""

from __future__ import annotations

from flask import Blueprint, render_template

from idp.i18n import html_lang

#: The canonical document, linked for people who want the JSON.
SPEC_URL = "/api/v1/openapi.json"


def blueprint() -> Blueprint:
    """``api_docs.page`` at /api/docs."""
    bp = Blueprint("api_docs", __name__)

    @bp.get("/api/docs")
    def page():
        return render_template("api_docs.html", spec_url=SPEC_URL,
                               rendered_url=f"{SPEC_URL}?lang={html_lang()}")

    return bp
