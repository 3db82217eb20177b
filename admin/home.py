"""The landing page: where people and integrators go next."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def home():
    issuer = current_app.config["ONEGATE"]["ISSUER"]
    return render_template("home.html", issuer=issuer)


@bp.get("/favicon.ico")
def favicon():
    # No icon to show; answer so browsers stop logging a 404 on every page.
    return "", 204, {"Cache-Control": "public, max-age=86400"}
