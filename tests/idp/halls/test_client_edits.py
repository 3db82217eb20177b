"""`onegate clients edit`: a client's URIs, name and scopes change under the checks of
registration, all or nothing, with one readable line for anything refused."""

from __future__ import annotations

import pytest

from tests.idp.halls.helpers import audit_entries, run, run_json
from tests.idp.protocol.helpers import REDIRECT, auth_params, pkce, register

NEW = "https://new-hall.example.cn/cb"


def _row(app, client_id):
    from idp.models.clients import OAuthClient

    with app.services.sessions() as session:
        return session.query(OAuthClient).filter_by(client_id=client_id).one()


def test_edit_every_field_and_the_authorization_endpoint_follows_at_once(
        app, client, unique):
    reg = register(app, unique)
    edited = run_json(app, "edit", reg["client_id"], "--name", f"New hall {unique}",
                      "--redirect-uri", NEW, "--redirect-uri", "cn.gov.gd.hall:/cb",
                      "--post-logout-uri", "https://new-hall.example.cn/bye",
                      "--backchannel-uri", "https://new-hall.example.cn/bc",
                      "--scope", "openid profile email")
    assert edited["redirect_uris"] == [NEW, "cn.gov.gd.hall:/cb"]
    assert edited["post_logout_redirect_uris"] == ["https://new-hall.example.cn/bye"]
    assert edited["backchannel_logout_uri"] == "https://new-hall.example.cn/bc"
    assert edited["scope"] == "openid profile email" and edited["name"] == f"New hall {unique}"
    assert edited["changed"] == ["backchannel_logout_uri", "name", "post_logout_redirect_uris",
                                 "redirect_uris", "scopes"]
    _, challenge = pkce()
    old = client.get("/oauth/authorize", query_string=auth_params(reg["client_id"], challenge))
    assert old.status_code == 400 and "Location" not in old.headers  # never redirected
    new = client.get("/oauth/authorize",
                     query_string=auth_params(reg["client_id"], challenge, redirect_uri=NEW))
    assert new.status_code == 302 and new.headers["Location"].startswith("/login")
    [entry] = audit_entries(app, reg["client_id"], "operator.client.edit")
    assert entry.actor == "operator:ops-halls"
    assert entry.data["changed"]["redirect_uris"] == [[REDIRECT], [NEW, "cn.gov.gd.hall:/cb"]]


def test_clearing_optional_uris_and_an_edit_that_changes_nothing(app, unique):
    reg = register(app, unique, backchannel_logout_uri="https://hall.example.cn/bc")
    cleared = run_json(app, "edit", reg["client_id"], "--no-post-logout-uris",
                       "--no-backchannel-uri")
    assert cleared["post_logout_redirect_uris"] == [] and cleared["backchannel_logout_uri"] is None
    same = run(app, "edit", reg["client_id"], "--redirect-uri", REDIRECT)
    assert same.exit_code == 0 and "nothing changed" in same.output
    assert len(audit_entries(app, reg["client_id"], "operator.client.edit")) == 1


REFUSED = [
    (["--redirect-uri", "http//hall.example.cn/cb"], "--redirect-uri"),
    (["--redirect-uri", "https://hall.example.cn/cb#frag"], "has a fragment"),
    (["--redirect-uri", "javascript:alert(1)"], "javascript: scheme"),
    (["--redirect-uri", "https://*.example.cn/cb"], "wildcards are not supported"),
    (["--redirect-uri", "https://hall.example.cn/cb/*"], "wildcards are not supported"),
    (["--redirect-uri", "https://user@hall.example.cn/cb"], "user information"),
    (["--redirect-uri", "https://hall.example.cn/" + "a" * 2000], "longer than 2000"),
    (["--redirect-uri", "data:text/html,x"], "data: scheme"),
    (["--post-logout-uri", "https://hall.example.cn/bye#x"], "--post-logout-uri"),
    (["--backchannel-uri", "cn.gov.gd.hall:/bc"], "--backchannel-uri"),
    (["--backchannel-uri", "ftp://hall.example.cn/bc"], "--backchannel-uri"),
    (["--name", "   "], "--name must not be empty"),
    (["--name", "x" * 201], "--name is longer than 200"),
    (["--name", "two\nlines"], "--name must not contain control characters"),
    (["--scope", 'openid "quoted"'], "invalid scope"),
]


@pytest.mark.parametrize(("options", "named"), REFUSED)
def test_invalid_values_are_one_line_naming_the_field_and_nothing_changes(
        app, unique, options, named):
    reg = register(app, unique)
    before = _row(app, reg["client_id"])
    # A valid change beside the invalid one: neither is written.
    refused = run(app, "edit", reg["client_id"], "--name", f"Changed {unique}", *options) \
        if options[0] != "--name" else run(app, "edit", reg["client_id"],
                                           "--redirect-uri", NEW, *options)
    assert refused.exit_code == 1, refused.output
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and named in lines[0], lines
    after = _row(app, reg["client_id"])
    assert (after.name, after.redirect_uris, after.post_logout_redirect_uris,
            after.backchannel_logout_uri, after.scope) == (
        before.name, before.redirect_uris, before.post_logout_redirect_uris,
        before.backchannel_logout_uri, before.scope)
    assert audit_entries(app, reg["client_id"], "operator.client.edit") == []


def test_unsupported_scopes_are_usage_errors_and_change_nothing(app, unique):
    """The scope checks of registration: a scope the provider does not offer, or one
    the client's grants could never use, is exit 2 with one line."""
    reg = register(app, unique)
    unknown = run(app, "edit", reg["client_id"], "--name", "x", "--scope", "openid admin")
    assert unknown.exit_code == 2 and "'admin' is not supported" in unknown.output
    unusable = run(app, "edit", reg["client_id"], "--scope", "openid licenses:verify")
    assert unusable.exit_code == 2 and "needs --grant client_credentials" in unusable.output
    assert _row(app, reg["client_id"]).name == f"Hall {unique}"
    narrowed = run_json(app, "edit", reg["client_id"], "--scope", "openid")
    assert narrowed["scope"] == "openid"


def test_usage_errors_and_an_unknown_client(app, unique):
    reg = register(app, unique)
    nothing = run(app, "edit", reg["client_id"])
    assert nothing.exit_code == 2 and nothing.output.startswith("Error: nothing to change")
    both = run(app, "edit", reg["client_id"], "--backchannel-uri", "https://h.example.cn/bc",
               "--no-backchannel-uri")
    assert both.exit_code == 2 and "exclude each other" in both.output
    unknown = run(app, "edit", f"c_nobody{unique}", "--name", "x")
    assert unknown.exit_code == 1 and unknown.output == f"Error: no client c_nobody{unique}\n"


def test_a_clients_hall_is_a_registered_one(app, unique):
    """The hall a client belongs to decides which hall administrators manage it."""
    from idp import halls

    first, second = f"h-{unique}-a", f"h-{unique}-b"
    with app.idp_services.work() as session:
        for code in (first, second):
            halls.add(session, code, f"大厅 {code}", "county")
    unknown = run(app, "add", "--name", f"Hall {unique}", "--redirect-uri", NEW,
                  "--hall", "nowhere-" + unique)
    assert unknown.exit_code == 1
    assert unknown.output == f"Error: --hall 'nowhere-{unique}' is not a registered hall " \
                             "(onegate halls list)\n"
    added = run_json(app, "add", "--name", f"Hall {unique}", "--redirect-uri", NEW,
                     "--hall", first.upper())
    assert added["hall_code"] == first
    moved = run_json(app, "edit", added["client_id"], "--hall", second)
    assert moved["hall_code"] == second and moved["changed"] == ["hall_code"]
    refused = run(app, "edit", added["client_id"], "--hall", "nowhere-" + unique)
    assert refused.exit_code == 1 and _row(app, added["client_id"]).hall_code == second
    assert run_json(app, "edit", added["client_id"], "--no-hall")["hall_code"] is None
    [entry, _] = audit_entries(app, added["client_id"], "operator.client.edit")
    assert entry.data["changed"]["hall_code"] == [first, second]
