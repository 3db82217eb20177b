"""`onegate clients add|list|show|disable`."""

from __future__ import annotations

import json

from click.testing import CliRunner


def _run(app, *args):
    from idp.clients_cli import clients

    with app.app_context():
        return CliRunner().invoke(clients, list(args), catch_exceptions=False)


def test_add_list_show_disable(app, unique):
    from idp.models.clients import OAuthClient

    added = _run(app, "add", "--name", f"Hall {unique}", "--redirect-uri",
                 "https://h.example.cn/cb", "--post-logout-uri", "https://h.example.cn/bye",
                 "--backchannel-uri", "https://h.example.cn/bc", "--scope", "openid profile",
                 "--trusted", "--id-token-alg", "ES256", "--json")
    assert added.exit_code == 0, added.output
    data = json.loads(added.output)
    assert len(data["client_secret"]) >= 43 and data["trusted"] is True
    with app.app_context(), app.extensions["onegate.sessions"]() as session:
        row = session.query(OAuthClient).filter_by(client_id=data["client_id"]).one()
        assert data["client_secret"] not in row.secret_hash
        assert row.secret_hash.startswith("hmac-sha256$")
    listed = json.loads(_run(app, "list", "--json").output)
    assert data["client_id"] in [c["client_id"] for c in listed]
    shown = json.loads(_run(app, "show", data["client_id"], "--json").output)
    assert "client_secret" not in shown and shown["scope"] == "openid profile"
    assert json.loads(_run(app, "disable", data["client_id"], "--json").output)["disabled"]


def test_public_client_has_no_secret_and_bad_input_is_refused(app, unique):
    public = _run(app, "add", "--name", "Wallet", "--public", "--redirect-uri",
                  "https://w.example.cn/cb", "--json")
    assert json.loads(public.output)["client_secret"] is None
    bad = _run(app, "add", "--name", "x", "--public", "--grant", "client_credentials")
    assert bad.exit_code == 2


def test_department_client_with_licence_scopes(app, unique):
    """Dynamic licence scopes (``licenses:read:<type code>``) register like any other;
    a value outside RFC 6749's scope-token characters is refused."""
    scope = "openid identity licenses:read:11100000MB0143028R001"
    added = _run(app, "add", "--name", f"Tax {unique}", "--redirect-uri",
                 "https://tax.example.cn/cb", "--scope", scope, "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["scope"] == scope
    refused = _run(app, "add", "--name", f"Bad {unique}", "--redirect-uri",
                   "https://tax.example.cn/cb", "--scope", 'openid "quoted"')
    assert refused.exit_code != 0 and "invalid scope" in refused.output
