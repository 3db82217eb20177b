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
