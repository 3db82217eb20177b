"""/api/docs: the API reference rendered in the browser from /api/v1/openapi.json (the
same document, never a copy) by Swagger UI, vendored under admin/static/vendor (no CDN;
see its VENDORED.md). The page keeps the site's strict CSP: no inline script or style,
nothing loaded from elsewhere; the one script of ours (api-docs.js) starts the renderer
with "Try it out" switched off (a reference, not a client) and no validator badge (which
would call validator.swagger.io)."""

from __future__ import annotations

from flask import Blueprint, render_template


def blueprint() -> Blueprint:
    """``api_docs.page`` at /api/docs."""
    bp = Blueprint("api_docs", __name__)

    @bp.get("/api/docs")
    def page():
        return render_template("api_docs.html", spec_url="/api/v1/openapi.json")

    return bp
