"""The protocol's two blueprints: pages (CSRF-protected forms) and the OAuth API
(client-authenticated or bearer-protected, exempt from the form CSRF check)."""

from __future__ import annotations

from flask import Blueprint

from idp.page_guard import guard

# The authorization endpoint's consent page and /account/consents: no-store and the
# readable CSRF page (see idp.page_guard).
pages = guard(Blueprint("idp_oauth", __name__, template_folder="templates"))
api = Blueprint("idp_oauth_api", __name__)
