"""The account page leads somewhere and names things: links to the wallet, the
consents and home; each session lists the halls it signed in to by name, with the
time each was first used, never by client id."""

from __future__ import annotations

import re

from tests.idp.protocol.helpers import register, signed_in_code
from tests.pages import visible_text


def test_account_page_links_to_wallet_consents_and_home(app, client, unique):
    reg = register(app, unique)
    signed_in_code(app, client, unique, reg)
    html = client.get("/account").get_data(as_text=True)
    assert 'href="/wallet"' in html and 'href="/account/consents"' in html
    assert 'href="/"' in html
    assert re.search(r'<nav aria-label="[^"]+">\s*<ul class="account-links">', html)


def test_sessions_list_names_halls_with_dates_not_client_ids(app, client, unique):
    first = register(app, unique, name=f"广州市政务服务中心 {unique}")
    second = register(app, unique + "b", name=f"番禺区政务服务中心 {unique}")
    signed_in_code(app, client, unique, first)
    from tests.idp.protocol.helpers import auth_params, authorize, pkce

    _, challenge = pkce()
    assert authorize(client, auth_params(second["client_id"], challenge)).status_code == 302
    text = visible_text(client.get("/account").get_data(as_text=True))
    assert first["client_id"] not in text and second["client_id"] not in text
    named = re.findall(r"(\S+政务服务中心 \S+) （(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) 起）", text)
    assert [name for name, _ in named] == [f"广州市政务服务中心 {unique}",
                                           f"番禺区政务服务中心 {unique}"]


def test_english_account_page_names_halls_too(app, client, unique):
    reg = register(app, unique, name=f"Tianhe service hall {unique}")
    signed_in_code(app, client, unique, reg)
    text = visible_text(client.get("/account?ui_locales=en").get_data(as_text=True))
    assert re.search(rf"Tianhe service hall {unique} since \d{{4}}-\d{{2}}-\d{{2}}", text)
    assert "My licences" in text and "My consents" in text
    assert reg["client_id"] not in text
