"""No page can be forgotten: every GET route the app serves is either surveyed
(tests/experience/pages.py ``PAGES`` and, signed in to the staff console,
``CONSOLE_PAGES``, at 360x740 and 1280x800 in zh-CN and en, with
axe-core, no sideways scrolling and the language check) or named below with the reason
it is not a page a person reads. A new HTML route fails here until it is one or the
other."""

from __future__ import annotations

from tests.experience.pages import CONSOLE_PAGES, PAGES

#: Endpoint -> the survey's names for the pages it renders.
SURVEYED: dict[str, tuple[str, ...]] = {
    "home.home": ("home",),
    "idp_login.login": ("login",),
    "idp_account.account": ("account", "account-legal-representative"),
    "idp_oauth.consents": ("consents", "consent-withdraw"),
    "idp_oauth.authorize": ("consent", "error-unknown-redirect"),
    "idp_logout.logout": ("logout-confirm",),
    "idp_qr_login.qr_page": ("login-qr",),
    "idp_forgot.form": ("forgot",),
    "idp_reset.form": ("reset",),
    "idp_enrolment.enrol": ("totp-enrol",),
    "idp_device.verification": ("device",),
    "idp_mandate.verification": ("mandate",),
    "credentials_wallet.home": ("wallet",),
    "credentials_wallet.licence": ("wallet-licence",),
    "credentials_wallet.present": ("wallet-present",),
    "credentials_wallet.print_page": ("wallet-print",),
    "verify_pages.page": ("verify", "verify-valid", "verify-revoked", "verify-suspended"),
    "verify_pages.reference": ("verify-reference",),
    "api_docs.page": ("api-docs",),
    # The staff console (CONSOLE_PAGES).
    "console_dashboard.index": ("console-dashboard",),
    "console_people.index": ("console-people", "console-people-found"),
    "console_people.show": ("console-person",),
    "console_recovery.index": ("console-recovery",),
    "console_recovery.person": ("console-recovery-person",),
    "console_staff.index": ("console-staff",),
    "console_clients.index": ("console-clients",),
    "console_clients.show": ("console-client",),
    "console_clients.register": ("console-client-new",),
    "console_clients.edit": ("console-client-edit",),
    "console_licences.index": ("console-licences",),
    "console_licences.show": ("console-licence",),
    "console_catalogue.index": ("console-catalogue",),
    "console_catalogue.create": ("console-catalogue-new",),
    "console_catalogue.show": ("console-catalogue-type",),
    "console_catalogue.add_version": ("console-catalogue-version",),
    "console_keys.index": ("console-keys",),
    "console_keys.owner_page": ("console-keys-owner",),
    "console_keys.revoke_form": ("console-key-revoke",),
    "console_keys.department_form": ("console-department-new",),
    "console_audit.index": ("console-audit",),
    "console_signin.callback": ("console-signin-refused",),
    "console_signin.signed_out": ("console-signed-out",),
}

#: Survey pages that belong to no route: the error handler's page.
HANDLERS = {"not-found": "the 404 page of any unknown address"}

#: Endpoint -> why it is not in the survey.
EXCLUDED: dict[str, str] = {
    # Machine-readable: JSON, JWT, JWKS, images, metrics, probes.
    "credentials_public.vc_issuer_metadata": "JSON (SD-JWT VC issuer metadata)",
    "idp_oauth_api.openid_configuration": "JSON (OpenID discovery)",
    "idp_oauth_api.userinfo": "JSON (UserInfo)",
    "idp_jwks.jwks": "JSON (JWKS)",
    "credentials_public.issuer": "JSON (issuer description)",
    "credentials_public.jwks": "JSON (JWKS)",
    "credentials_public.status_list_token": "JWT (token status list)",
    "credentials_public.type_metadata": "JSON (type metadata)",
    "credentials_public.type_version_metadata": "JSON (type metadata)",
    "audit.latest_checkpoint": "JSON (signed audit checkpoint)",
    "audit.checkpoint_keys": "JSON (JWKS)",
    "health.healthz": "text probe",
    "health.readyz": "text probe",
    "metrics": "Prometheus text",
    "idp_enrolment.qr_code": "SVG image shown inside totp-enrol",
    "console_dashboard.chart": "SVG image shown inside the console's dashboard",
    "home.favicon": "icon",
    "verify_pages.offline_worker": "service worker script (tests/verify/test_offline_browser.py)",
    # Static files.
    "admin_static.static": "static files",
    "console_assets.static": "static files",
    "idp_static.static": "static files",
    "verify_pages.static": "static files",
    "credentials_wallet.static": "static files",
    # Redirects only: the browser lands on a surveyed page.
    "credentials_wallet.callback": "redirect back into the wallet",
    "console_signin.login": "redirect to the provider's login",
    # Pages reached only in the middle of a flow that the shared world cannot stand in
    # without disturbing the other pages (the shared person would sign in again).
    "idp_login.second_factor": "needs a half-finished sign-in with TOTP; "
                               "tests/idp/accounts cover its form",
    "idp_reset.new_password": "needs a valid reset code; tests/idp/accounts cover it",
}

#: Blueprints whose every route answers JSON or images (/api/v1: described by the
#: OpenAPI document and its tests, errors as RFC 9457 problems).
JSON_BLUEPRINTS = {"credentials_api", "verify_api", "credentials_wallet_api"}


def test_every_get_route_is_surveyed_or_excluded_with_a_reason(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if "GET" in (rule.methods or ())}
    unaccounted = sorted(e for e in endpoints
                         if e not in SURVEYED and e not in EXCLUDED
                         and e.split(".")[0] not in JSON_BLUEPRINTS)
    assert unaccounted == [], "add these to tests/experience/pages.py or EXCLUDED"
    assert sorted(set(SURVEYED) - endpoints) == []  # no stale entries
    assert sorted(set(EXCLUDED) - endpoints) == []
    named = {name for names in SURVEYED.values() for name in names}
    surveyed = set(PAGES) | set(CONSOLE_PAGES)
    assert not set(PAGES) & set(CONSOLE_PAGES)
    assert named <= surveyed
    # Every surveyed page belongs to a route (or to an error handler).
    assert sorted(surveyed - named - set(HANDLERS)) == []
