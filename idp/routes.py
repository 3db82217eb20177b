"""The protocol's two blueprints: pages (CSRF-protected forms) and the OAuth API
(client-authenticated or bearer-protected, exempt from the form CSRF check)."""

from __future__ import annotations

from flask import Blueprint

pages = Blueprint("idp_oauth", __name__, template_folder="templates")
api = Blueprint("idp_oauth_api", __name__)
