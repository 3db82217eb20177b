"""A holder logs in through the provider's pages in a real browser (Debian's Chromium)
and sees their licence, its status and its QR code in the wallet."""

from __future__ import annotations

import importlib
import io
import os
import re
import subprocess
import sys

import pytest

from tests import conftest as base
from tests.conftest import ROOT, free_port, unavailable, wait_healthy
from tests.credentials.helpers import dept_headers, make_department

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.live, pytest.mark.browser]


@pytest.fixture(scope="module")
def wallet_server(migrated, tmp_path_factory):
    """A threaded gunicorn server with the credentials blueprints (see wired_server)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({f"ONEGATE_{k}": str(v) for k, v in
                base.test_settings(migrated, ISSUER=url, PORT=port).items()})
    env["ONEGATE_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("wallet"))
    process = subprocess.Popen([sys.executable, "-m", "tests.credentials.wired_server"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    wait_healthy(url, process)
    yield url
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def register_wallet(app, issuer: str) -> None:
    """Create (or point at this server) the wallet's public client through idp."""
    from sqlalchemy import select

    from credentials.wallet import register_client_spec
    from idp.clients_cli import NewClient, create
    from idp.models.clients import OAuthClient

    spec = register_client_spec(issuer)
    with app.app_context(), app.extensions["onegate.sessions"].begin() as session:
        row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == spec["client_id"]))
        if row is None:
            create(session, NewClient(
                name=spec["name"], client_id=spec["client_id"],
                redirect_uris=spec["redirect_uris"],
                post_logout_redirect_uris=spec["post_logout_redirect_uris"],
                grant_types=spec["grant_types"], scopes=spec["scopes"],
                auth_method=spec["auth_method"], trusted=spec["trusted"]))
        else:
            row.redirect_uris = sorted(set(row.redirect_uris) | set(spec["redirect_uris"]))
            row.scope = " ".join(dict.fromkeys(row.scope.split() + spec["scopes"]))


def test_holder_sees_licence_and_qr(app, wallet_server, browser, unique):
    from PIL import Image
    from playwright.sync_api import expect

    from tests.idp.accounts.factories import PASSWORD, make_person

    zxingcpp = importlib.import_module("zxingcpp")
    register_wallet(app, wallet_server)
    person = make_person(app, unique, display_name="陈小红")
    dept = make_department(app, unique)
    body = dept.body(holder={"code_type": "111", "number": person["id_number"],
                             "name": "陈小红"})
    licence = app.test_client().post("/api/v1/licenses", json=body,
                                     headers=dept_headers(app, dept)).get_json()

    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(wallet_server + "/wallet")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("button", name="登录").click()
    page.get_by_label("用户名、身份证号或手机号").fill(person["username"])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    consent = page.get_by_role("button", name=re.compile("同意|允许"))
    page.wait_for_url(re.compile(r"/wallet|/oauth/authorize|/consent"))
    if "/wallet" not in page.url and consent.count():
        consent.first.click()
    expect(page).to_have_url(re.compile(r"/wallet$"))
    card = page.get_by_role("link", name=re.compile("测试许可证"))
    expect(card).to_be_visible()
    expect(card).to_contain_text("有效")
    card.click()
    expect(page).to_have_url(re.compile(r"/wallet/l/"))
    qr = page.get_by_role("img", name="离线核验二维码")
    expect(qr).to_have_attribute("src", re.compile("^data:image/png;base64,"))
    shot = Image.open(io.BytesIO(qr.screenshot())).convert("L")
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [licence["offline_qr"]]
    expect(page.get_by_text(licence["claims"]["permit_number"])).to_be_visible()
    page.get_by_role("link", name="选择出示信息").click()
    page.get_by_label("地址").check()
    page.get_by_role("button", name="生成出示二维码").click()
    expect(page.get_by_label("出示内容（可复制）")).to_have_value(re.compile("~"))
