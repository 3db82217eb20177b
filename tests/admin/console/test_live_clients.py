"""A hall administrator's day with the halls' clients, in a real browser on a phone's
screen against a live ``onegate serve`` (two worker processes): sign in at loa-2, find
the hall's client, rotate its secret with an overlap, take the secret shown once, and
be refused another hall's client."""

from __future__ import annotations

import pyotp
import pytest
import requests

from idp.staff import HALL_ADMIN
from tests.admin.console.helpers import audit_entries, make_staff
from tests.admin.console.test_live_signin import _sign_in
from tests.idp.protocol.helpers import register

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _in_hall(app, unique, hall) -> dict:
    from idp.models.clients import OAuthClient

    reg = register(app, unique, name=f"自助办税系统 {unique}", redirect_uris=[],
                   grant_types=["client_credentials"], scopes=["licences:read"])
    with app.services.sessions.begin() as session:
        session.query(OAuthClient).filter_by(client_id=reg["client_id"]).one().hall_code = hall
    return reg


def _token(base: str, reg: dict, secret: str) -> int:
    return requests.post(base + "/oauth/token", data={"grant_type": "client_credentials"},
                         auth=(reg["client_id"], secret), timeout=10).status_code


def test_hall_administrator_rotates_a_secret_on_a_phone(app, live_server, browser, places,
                                                        unique):
    from playwright.sync_api import expect

    own = _in_hall(app, unique, places["hall"])
    other = _in_hall(app, unique + "o", places["other_hall"])
    admin = make_staff(app, [(HALL_ADMIN, places["hall"])], name="周厅长", with_totp=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    _sign_in(page, live_server.url, admin["username"])
    page.get_by_label("验证器应用中的 6 位验证码").fill(pyotp.TOTP(admin["totp_secret"]).now())
    page.get_by_role("button", name="验证").click()
    page.get_by_role("navigation", name="控制台栏目").get_by_role(
        "link", name="大厅接入系统").click()
    expect(page.get_by_role("heading", name="大厅接入系统", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=f"自助办税系统 {unique}", exact=True)).to_be_visible()
    expect(page.get_by_text(other["client_id"])).to_have_count(0)
    page.get_by_role("link", name=f"自助办税系统 {unique}", exact=True).click()
    page.get_by_label("轮换密钥；旧密钥继续有效的时长").select_option("24h")
    page.get_by_role("button", name="轮换密钥").click()
    expect(page.get_by_role("heading", name="新的客户端密钥")).to_be_visible()
    secret = page.locator("#secret").inner_text().strip()
    assert len(secret) >= 43 and secret != own["secret"]
    # Both work at the token endpoint of either worker during the overlap.
    assert [_token(live_server.url, own, s) for s in (own["secret"], secret) * 2] == [200] * 4
    page.get_by_role("link", name="返回该接入系统").click()
    expect(page.get_by_text("旧密钥有效至")).to_be_visible()
    assert secret not in page.content()
    page.goto(live_server.url + f"/admin/clients/{other['client_id']}")
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    [entry] = audit_entries(app, "console.client.rotate_secret", own["client_id"])
    assert entry.data["role"] == HALL_ADMIN and entry.actor == f"staff:{admin['sub']}"
    context.close()
