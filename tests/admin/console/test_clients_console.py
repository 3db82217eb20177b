"""The console's halls' clients pages (admin/console/clients.py): each role's reach
tested by direct requests, every change audited with the staff member, the secret
shown once, refusals that change nothing."""

from __future__ import annotations

import re

import pytest

from idp.staff import AUDITOR, CLERK, DEPARTMENT_ADMIN, HALL_ADMIN, PLATFORM_ADMIN
from tests.admin.console.helpers import audit_entries, csrf_token, staff_client
from tests.idp.protocol.helpers import basic, register


def _hall_client(app, unique, hall, **kw):
    from idp.models.clients import OAuthClient

    reg = register(app, unique, **kw)
    with app.services.sessions.begin() as session:
        session.query(OAuthClient).filter_by(client_id=reg["client_id"]).one().hall_code = hall
    return reg


def _row(app, client_id):
    from idp.models.clients import OAuthClient

    with app.services.sessions() as session:
        return session.query(OAuthClient).filter_by(client_id=client_id).one()


def _post(client, path, data=None):
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})})


@pytest.fixture
def halls(app, places, unique):
    """A client in the test's hall and one in the other hall."""
    return {"own": _hall_client(app, unique, places["hall"]),
            "other": _hall_client(app, unique + "o", places["other_hall"])}


def test_a_hall_administrator_sees_and_changes_only_their_halls_clients(
        app, places, halls):
    client, member = staff_client(app, [(HALL_ADMIN, places["hall"])])
    listing = client.get("/admin/clients")
    assert listing.status_code == 200 and listing.headers["Cache-Control"] == "no-store"
    html = listing.get_data(as_text=True)
    assert halls["own"]["client_id"] in html and halls["other"]["client_id"] not in html
    other = halls["other"]["client_id"]
    assert client.get(f"/admin/clients/{other}").status_code == 403
    assert client.get(f"/admin/clients/{other}/edit").status_code == 403
    for action in ("disable", "enable", "rotate", "trust"):
        refused = _post(client, f"/admin/clients/{other}/{action}",
                        {"overlap": "0", "trusted": "1"})
        assert refused.status_code == 403, action
    row = _row(app, other)
    assert not row.disabled and not row.trusted and row.previous_secret_hash is None
    own = halls["own"]["client_id"]
    assert _post(client, f"/admin/clients/{own}/disable").status_code == 302
    assert _row(app, own).disabled
    [entry] = audit_entries(app, "console.client.disable", own)
    assert entry.actor == f"staff:{member['sub']}" and entry.data["role"] == HALL_ADMIN
    assert audit_entries(app, "console.client.disable", other) == []


def test_only_a_platform_administrator_sets_the_trusted_flag(app, places, halls):
    own = halls["own"]["client_id"]
    hall_admin, _ = staff_client(app, [(HALL_ADMIN, places["hall"])])
    assert _post(hall_admin, f"/admin/clients/{own}/trust", {"trusted": "1"}).status_code == 403
    assert 'name="trusted"' not in hall_admin.get(f"/admin/clients/{own}").get_data(
        as_text=True)
    admin, member = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert _post(admin, f"/admin/clients/{own}/trust", {"trusted": "1"}).status_code == 302
    assert _row(app, own).trusted
    assert _post(admin, f"/admin/clients/{own}/trust", {"trusted": "0"}).status_code == 302
    assert not _row(app, own).trusted
    [entry] = audit_entries(app, "console.client.trust", own)
    assert entry.actor == f"staff:{member['sub']}" and entry.data["role"] == PLATFORM_ADMIN
    assert len(audit_entries(app, "console.client.untrust", own)) == 1


@pytest.mark.parametrize("role", [AUDITOR, CLERK, DEPARTMENT_ADMIN])
def test_other_roles_change_nothing(app, places, halls, role):
    scope = {CLERK: places["hall"], DEPARTMENT_ADMIN: places["dept"]}.get(role, "")
    client, _ = staff_client(app, [(role, scope)])
    own = halls["own"]["client_id"]
    reads = client.get("/admin/clients")
    assert reads.status_code == (200 if role == AUDITOR else 403)
    for action in ("disable", "rotate", "trust"):
        assert _post(client, f"/admin/clients/{own}/{action}",
                     {"overlap": "0", "trusted": "1"}).status_code == 403
    assert client.get("/admin/clients/new").status_code == 403
    row = _row(app, own)
    assert not row.disabled and not row.trusted and row.previous_secret_hash is None


def test_rotation_shows_the_secret_once_and_both_work_in_the_window(app, places, unique):
    own = _hall_client(app, unique, places["hall"], grant_types=["client_credentials"],
                       redirect_uris=[], scopes=["licences:read"])
    client, _ = staff_client(app, [(HALL_ADMIN, places["hall"])])
    answer = _post(client, f"/admin/clients/{own['client_id']}/rotate", {"overlap": "24h"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="secret">([^<]+)<', answer.get_data(as_text=True)).group(1)
    token = app.test_client()
    for value in (own["secret"], secret):
        assert token.post("/oauth/token", data={"grant_type": "client_credentials"},
                          headers=basic(own["client_id"], value)).status_code == 200
    page = client.get(f"/admin/clients/{own['client_id']}").get_data(as_text=True)
    assert secret not in page
    [entry] = audit_entries(app, "console.client.rotate_secret", own["client_id"])
    assert entry.data["overlap_seconds"] == 86400 and secret not in str(entry.data)
    bad = _post(client, f"/admin/clients/{own['client_id']}/rotate", {"overlap": "99d"})
    assert bad.status_code == 400


def test_register_in_own_hall_only_and_with_hall_scopes_only(app, places, unique):
    client, _ = staff_client(app, [(HALL_ADMIN, places["hall"])])
    form = {"name": f"Hall app {unique}", "redirect_uris": "https://app.example.cn/cb",
            "scope": ["openid", "profile"]}
    elsewhere = _post(client, "/admin/clients/new", {**form, "hall": places["other_hall"]})
    assert elsewhere.status_code == 403
    system = _post(client, "/admin/clients/new", {**form, "hall": places["hall"],
                                                  "other_scopes": "token:introspect"})
    assert system.status_code == 403
    made = _post(client, "/admin/clients/new", {**form, "hall": places["hall"]})
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    client_id = re.search(r'<dd class="mono">(c_[^<]+)</dd>', html).group(1)
    assert 'id="secret"' in html and _row(app, client_id).hall_code == places["hall"]
    assert len(audit_entries(app, "console.client.add", client_id)) == 1


def test_invalid_uris_are_refused_naming_the_field_and_change_nothing(app, places, halls):
    own = halls["own"]["client_id"]
    client, _ = staff_client(app, [(HALL_ADMIN, places["hall"])])
    before = _row(app, own)
    for uri in ("https://h.example.cn/cb#x", "javascript:alert(1)", "https://*.example.cn/cb",
                "https://h.example.cn/" + "a" * 2001):
        refused = _post(client, f"/admin/clients/{own}/edit",
                        {"name": "Renamed", "redirect_uris": uri, "scope": ["openid"]})
        assert refused.status_code == 400, uri
        assert "--redirect-uri" in refused.get_data(as_text=True)
    after = _row(app, own)
    assert (after.name, after.redirect_uris, after.scope) == (
        before.name, before.redirect_uris, before.scope)
    assert audit_entries(app, "console.client.edit", own) == []


def test_unknown_client_csrf_and_the_consoles_own_client(app, places):
    admin, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert admin.get("/admin/clients/c_nobody").status_code == 404
    assert _post(admin, "/admin/clients/c_nobody/disable").status_code == 404
    from admin.console.client import CLIENT_ID, ensure_registered

    with app.idp_services.work() as session:
        ensure_registered(session, app.idp_services.issuer, app.idp_services.settings.kek,
                          app.idp_services.client_secrets)
    for action in ("disable", "rotate", "trust"):
        refused = _post(admin, f"/admin/clients/{CLIENT_ID}/{action}", {"overlap": "0"})
        assert refused.status_code == 403, action
    assert not _row(app, CLIENT_ID).disabled
    other = register(app, places["hall"])
    no_csrf = admin.post(f"/admin/clients/{other['client_id']}/disable")
    assert no_csrf.status_code == 400 and not _row(app, other["client_id"]).disabled


def test_sign_ins_per_hall_and_per_day_in_chinese(app, places, halls):
    from idp.sign_in_counts import count_sign_in

    with app.services.sessions.begin() as session:
        for _ in range(3):
            count_sign_in(session, halls["own"]["client_id"])
        count_sign_in(session, halls["other"]["client_id"])
    client, _ = staff_client(app, [(HALL_ADMIN, places["hall"])])
    html = client.get("/admin/clients").get_data(as_text=True)
    assert "近 14 天各大厅登录次数" in html
    assert re.search(rf">{places['hall']}</td><td [^>]*>3</td>", html)
    assert places["other_hall"] not in html
    page = client.get(f"/admin/clients/{halls['own']['client_id']}").get_data(as_text=True)
    assert "近 14 天每日登录次数" in page and "<td>3</td>" in page


def test_a_hall_administrators_edit_keeps_the_scopes_only_a_platform_administrator_sets(
        app, places, unique):
    """A hall administrator's form has no field for system or licence scopes: saving it
    keeps the client's, and asking for a new one directly is refused."""
    reg = _hall_client(app, unique, places["hall"],
                       scopes=["openid", "profile", "wallet"])
    client, _ = staff_client(app, [(HALL_ADMIN, places["hall"])])
    form = client.get(f"/admin/clients/{reg['client_id']}/edit")
    assert form.status_code == 200 and 'name="other_scopes"' not in form.get_data(as_text=True)
    saved = _post(client, f"/admin/clients/{reg['client_id']}/edit", {
        "name": f"Renamed {unique}", "redirect_uris": "https://hall.example.cn/cb",
        "scope": ["openid", "email"]})
    assert saved.status_code == 302
    row = _row(app, reg["client_id"])
    assert row.scope == "openid email wallet" and row.name == f"Renamed {unique}"
    [entry] = audit_entries(app, "console.client.edit", reg["client_id"])
    assert entry.data["changed"]["scopes"] == [["openid", "profile", "wallet"],
                                               ["openid", "email", "wallet"]]
    widened = _post(client, f"/admin/clients/{reg['client_id']}/edit", {
        "name": "x", "redirect_uris": "https://hall.example.cn/cb", "scope": ["openid"],
        "other_scopes": "token:introspect"})
    assert widened.status_code == 403 and "token:introspect" not in _row(
        app, reg["client_id"]).scope
    admin, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert 'name="other_scopes"' in admin.get(
        f"/admin/clients/{reg['client_id']}/edit").get_data(as_text=True)
    narrowed = _post(admin, f"/admin/clients/{reg['client_id']}/edit", {
        "name": "x", "redirect_uris": "https://hall.example.cn/cb", "scope": ["openid"],
        "other_scopes": ""})
    assert narrowed.status_code == 302 and _row(app, reg["client_id"]).scope == "openid"


def test_a_public_client_is_registered_without_a_secret(app, places, unique):
    admin, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    assert admin.get("/admin/clients/new").status_code == 200
    made = _post(admin, "/admin/clients/new", {
        "name": f"Hall SPA {unique}", "hall": places["hall"], "public": "1",
        "redirect_uris": "https://spa.example.cn/cb", "scope": ["openid"]})
    assert made.status_code == 200
    html = made.get_data(as_text=True)
    client_id = re.search(r'<dd class="mono">(c_[^<]+)</dd>', html).group(1)
    assert 'id="secret"' not in html
    assert _row(app, client_id).token_endpoint_auth_method == "none"
    unknown_hall = _post(admin, "/admin/clients/new", {
        "name": f"Nowhere {unique}", "hall": "nowhere-" + unique,
        "redirect_uris": "https://spa.example.cn/cb", "scope": ["openid"]})
    assert unknown_hall.status_code == 400 and "is not a registered hall" in \
        unknown_hall.get_data(as_text=True)
