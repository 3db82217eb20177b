"""The landing page: where people and integrators go next."""

from __future__ import annotations

from flask import Blueprint, render_template


def blueprint(issuer: str) -> Blueprint:
    """``home.home`` (the landing page naming ``issuer``) and ``home.favicon``."""
    bp = Blueprint("home", __name__)

    @bp.get("/")
    def home():
        return render_template("home.html", issuer=issuer)

    @bp.get("/favicon.ico")
    def favicon():
        # No icon to show; answer so browsers stop logging a 404 on every page.
        return "", 204, {"Cache-Control": "public, max-age=86400"}

    return bp
