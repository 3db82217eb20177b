"""The console's layout: Chinese first, English on request, navigation by role, every
message translated, no inline script or style, the same security headers."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from idp.staff import CLERK, PLATFORM_ADMIN
from tests.admin.console.helpers import staff_client

PO = Path(__file__).resolve().parents[3] / \
    "admin/console/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_chinese_by_default_english_on_request(app):
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    html = client.get("/admin/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "运维控制台" in html and "平台管理员" in html
    html = client.get("/admin/?ui_locales=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Platform administrator" in html
    html = client.get("/admin/").get_data(as_text=True)  # the choice is kept
    assert '<html lang="en">' in html
    assert "跳到主要内容" not in html and "Skip to main content" in html


def test_every_message_is_translated():
    with PO.open("rb") as handle:
        catalogue = read_po(handle)
    untranslated = [m.id for m in catalogue if m.id and not m.string]
    assert untranslated == []
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1


def test_navigation_follows_roles_and_pages_are_safe(app, places):
    clerk, _ = staff_client(app, [(CLERK, places["hall"])])
    answer = clerk.get("/admin/")
    html = answer.get_data(as_text=True)
    assert 'aria-label="控制台栏目"' in html and 'href="/admin/"' in html
    assert "<script" not in html and "style=" not in html
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert 'name="viewport"' in html and 'class="skip-link"' in html


#: role -> sections its navigation must show (at least; later sections add more)
NAVIGATION = {
    PLATFORM_ADMIN: ["/admin/", "/admin/people", "/admin/staff", "/admin/keys", "/admin/audit"],
    "department-admin": ["/admin/", "/admin/keys"],
    "hall-admin": ["/admin/", "/admin/staff"],
    CLERK: ["/admin/", "/admin/people"],
    "auditor": ["/admin/", "/admin/people", "/admin/staff", "/admin/keys", "/admin/audit"],
}


def test_navigation_shows_each_role_its_sections_and_each_opens(app, places):
    import re

    from flask import url_for

    with app.test_request_context():
        sections = {s.name: (url_for(s.endpoint), s.roles)
                    for s in app.console_services.navigation}
    for role, required in NAVIGATION.items():
        scope = {"department-admin": places["dept"], "hall-admin": places["hall"],
                 CLERK: places["hall"]}.get(role, "")
        client, _ = staff_client(app, [(role, scope)])
        html = client.get("/admin/").get_data(as_text=True)
        nav = re.findall(r'href="([^"]+)"',
                         html.split('class="console-nav"', 1)[1].split("</nav>", 1)[0])
        expected = [path for path, roles in sections.values() if role in roles]
        assert nav == expected and set(required) <= set(nav), role
        for path in nav:
            assert client.get(path).status_code == 200, (role, path)
        for path, roles in sections.values():
            if role not in roles:
                assert client.get(path).status_code == 403, (role, path)


def test_console_catalogue_never_contradicts_the_providers():
    """One Babel merges both catalogues (the console's last): a message id both use
    must read the same, or the console would change the provider's pages (its "Allow"
    as 授予签发权 on the device approval page). Where the console means something else
    by the same English, it says so with a context: ``pgettext("console", ...)``."""
    idp_po = PO.parents[5] / "idp/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with idp_po.open("rb") as handle:
        provider = {(m.context, m.id): m.string for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        console = {(m.context, m.id): m.string for m in read_po(handle) if m.id}
    shared = set(provider) & set(console)
    assert {k: (provider[k], console[k]) for k in shared if provider[k] != console[k]} == {}


def test_the_providers_pages_keep_their_words_beside_the_console(app):
    from flask_babel import force_locale, gettext, pgettext

    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        assert (gettext("Allow"), gettext("Valid"), gettext("Holder")) == ("允许", "有效", "持证人")
        assert pgettext("console", "Valid") == "有效期"
