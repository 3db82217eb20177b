"""`onegate clients add|list|show|disable`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.idp.services import idp_services


def _run(app, *args):
    from idp.clients_cli import clients_group
    from tests.idp.services import idp_services

    with app.app_context():
        return CliRunner().invoke(clients_group(idp_services(app)), list(args),
                                  catch_exceptions=False)


def test_add_list_show_disable(app, unique):
    from idp.models.clients import OAuthClient

    added = _run(app, "add", "--name", f"Hall {unique}", "--redirect-uri",
                 "https://h.example.cn/cb", "--post-logout-uri", "https://h.example.cn/bye",
                 "--backchannel-uri", "https://h.example.cn/bc", "--scope", "openid profile",
                 "--trusted", "--id-token-alg", "ES256", "--json")
    assert added.exit_code == 0, added.output
    data = json.loads(added.output)
    assert len(data["client_secret"]) >= 43 and data["trusted"] is True
    with app.app_context(), app.services.sessions() as session:
        row = session.query(OAuthClient).filter_by(client_id=data["client_id"]).one()
        assert data["client_secret"] not in row.secret_hash
        assert row.secret_hash.startswith("hmac-sha256-kek$")
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
    assert bad.exit_code == 1 and bad.output.startswith("Error: ")


def test_department_client_with_licence_scopes(app, unique):
    """Dynamic licence scopes (``licenses:read:<type code>``) register for a type of
    the catalogue; a value outside RFC 6749's scope-token characters is refused."""
    from tests.credentials.helpers import make_department

    dept = make_department(app, unique)
    scope = f"openid identity licenses:read:{dept.type_code}"
    added = _run(app, "add", "--name", f"Tax {unique}", "--redirect-uri",
                 "https://tax.example.cn/cb", "--scope", scope, "--json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["scope"] == scope
    refused = _run(app, "add", "--name", f"Bad {unique}", "--redirect-uri",
                   "https://tax.example.cn/cb", "--scope", 'openid "quoted"')
    assert refused.exit_code != 0 and "invalid scope" in refused.output


UNSUPPORTED_SCOPES = [
    "opneid",                                   # a typo of a fixed scope
    "admin",                                    # nothing the provider knows
    "licenses:write:11100000MB0143028R001",     # no such licence scope family
    "licenses:read:",                           # no type code
    "licenses:read:not-a-type-code",            # not a GB/T 36904 type code
    "licenses:read:99999999999999999A999",      # well-formed, not in the catalogue
]


def test_add_refuses_unsupported_scopes_with_one_line_and_exit_2(app, unique):
    from idp.models.clients import OAuthClient

    for scope in UNSUPPORTED_SCOPES:
        name = f"Typo {unique} {scope[:20]}"
        refused = _run(app, "add", "--name", name, "--redirect-uri", "https://t.example.cn/cb",
                       "--scope", f"openid {scope}")
        assert refused.exit_code == 2, (scope, refused.output)
        lines = refused.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), refused.output
        assert repr(scope) in lines[0] and "supported: openid, profile" in lines[0]
        assert "licenses:read:<type code>" in lines[0]
        with app.services.sessions() as session:
            assert session.query(OAuthClient).filter_by(name=name).count() == 0


def test_licence_scopes_follow_the_grant_they_serve(app, unique):
    """An issuing scope is for a department's system (client_credentials); a reading
    scope asks the holder (authorization_code). Anything else cannot be used."""
    from tests.credentials.helpers import make_department

    dept = make_department(app, unique)
    issue = _run(app, "add", "--name", f"Hall {unique}", "--redirect-uri",
                 "https://t.example.cn/cb", "--scope", f"licenses:issue:{dept.type_code}")
    assert issue.exit_code == 2 and "client_credentials" in issue.output, issue.output
    read = _run(app, "add", "--name", f"Sys {unique}", "--grant", "client_credentials",
                "--scope", f"licenses:read:{dept.type_code}")
    assert read.exit_code == 2 and "authorization_code" in read.output, read.output
    system = _run(app, "add", "--name", f"Sys {unique}", "--grant", "client_credentials",
                  "--scope", f"licenses:issue:{dept.type_code}", "--json")
    assert system.exit_code == 0, system.output


def test_the_verification_scope_is_for_department_systems(app, unique):
    """licenses:verify (recording verifications in holders' lists) is registrable for a
    client_credentials system, refused for a hall, and advertised in discovery."""
    hall = _run(app, "add", "--name", f"Hall v {unique}", "--redirect-uri",
                "https://t.example.cn/cb", "--scope", "openid licenses:verify")
    assert hall.exit_code == 2 and "needs --grant client_credentials" in hall.output
    system = _run(app, "add", "--name", f"Sys v {unique}", "--grant", "client_credentials",
                  "--scope", "licenses:verify", "--json")
    assert system.exit_code == 0, system.output
    discovery = app.test_client().get("/.well-known/openid-configuration").get_json()
    assert "licenses:verify" in discovery["scopes_supported"]


BAD_VALUES = [
    ("--redirect-uri", "notaurl"),
    ("--redirect-uri", "javascript:alert(1)"),
    ("--redirect-uri", "JavaScript:alert(1)//.x.y:/z"),
    ("--redirect-uri", "data:text/html,hi"),
    ("--redirect-uri", "vbscript:msgbox"),
    ("--redirect-uri", "file:///etc/passwd"),
    ("--redirect-uri", "http://evil.example/cb#frag"),
    ("--redirect-uri", "http://evil.example/cb#"),
    ("--redirect-uri", "/relative/cb"),
    ("--redirect-uri", "//evil.example/cb"),
    ("--redirect-uri", "https://"),
    ("--redirect-uri", "https://user@h.example.cn/cb"),
    ("--redirect-uri", "https://h.example.cn:99999/cb"),
    ("--redirect-uri", "https://h.example.cn/c b"),
    ("--redirect-uri", "ftp://h.example.cn/cb"),
    ("--redirect-uri", "myapp:/callback"),          # private-use scheme without a dot
    ("--redirect-uri", "cn.gov.gd.app:callback"),   # no path
    ("--redirect-uri", ""),
    ("--post-logout-uri", "garbage"),
    ("--post-logout-uri", "javascript:alert(1)"),
    ("--post-logout-uri", "https://h.example.cn/bye#x"),
    ("--backchannel-uri", "notaurl"),
    ("--backchannel-uri", "cn.gov.gd.app:/logout"),
    ("--backchannel-uri", "https://h.example.cn/bc#x"),
    ("--jwks-uri", "notaurl"),
    ("--name", ""),
    ("--name", "   "),
    ("--name", "x" * 201),
    ("--name", "two\nlines"),
]


def test_add_refuses_invalid_uris_and_names_with_one_line(app, unique):
    """RFC 6749 section 3.1.2 (absolute, no fragment), RFC 8252 section 7.1, Back-Channel
    Logout 1.0 section 2.2; nothing is stored, the CLI prints one ``Error:`` line."""
    from idp.models.clients import OAuthClient

    for option, value in BAD_VALUES:
        values = {"--name": f"Hall {unique}", "--redirect-uri": "https://h.example.cn/cb"}
        values[option] = value
        args = ["add"] + [x for pair in values.items() for x in pair]
        result = _run(app, *args)
        assert result.exit_code == 1, (option, value, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
        assert option in lines[0] and "Traceback" not in result.output
    with app.app_context(), app.services.sessions() as session:
        assert session.query(OAuthClient).filter(
            OAuthClient.name.like(f"%{unique}%")).count() == 0


def test_service_function_raises_value_error(app, unique):
    import pytest

    from idp.clients_cli import NewClient, create

    for option, value in BAD_VALUES:
        new = NewClient(name=f"Hall {unique}", redirect_uris=["https://h.example.cn/cb"])
        field = {"--redirect-uri": "redirect_uris", "--post-logout-uri":
                 "post_logout_redirect_uris", "--backchannel-uri": "backchannel_logout_uri",
                 "--jwks-uri": "jwks_uri", "--name": "name"}[option]
        setattr(new, field, [value] if field.endswith("uris") else value)
        with app.app_context(), app.services.sessions.begin() as session, \
                pytest.raises(ValueError, match=option):
            create(session, new, idp_services(app).client_secrets)


def test_add_accepts_https_http_and_native_app_schemes(app, unique):
    for uri in ("https://h.example.cn/cb?x=1", "http://hall.intranet.gd/cb",
                "http://127.0.0.1:8080/cb", "http://[::1]:8080/cb", "cn.gov.gd.app:/callback",
                "com.example.app://oauth/redirect"):
        added = _run(app, "add", "--name", f"Hall {unique}", "--redirect-uri", uri,
                     "--post-logout-uri", uri, "--backchannel-uri",
                     "http://hall.intranet.gd/bc", "--json")
        assert added.exit_code == 0, (uri, added.output)
        assert json.loads(added.output)["redirect_uris"] == [uri]
    named = _run(app, "add", "--name", "  " + "名" * 200 + "  ", "--redirect-uri",
                 "https://h.example.cn/cb", "--json")
    assert named.exit_code == 0 and json.loads(named.output)["name"] == "名" * 200


def test_authorize_never_redirects_to_a_stored_invalid_uri(app, client, unique):
    """A row registered before these checks (or edited by hand) with a bad redirect
    URI: the authorization endpoint shows its error page, it does not redirect."""
    from idp.models.clients import OAuthClient
    from tests.idp.protocol.helpers import auth_params, pkce, register

    reg = register(app, unique)
    bad = ["javascript:alert(1)", f"http://evil-{unique}.example/cb#frag", "notaurl",
           "data:text/html,x"]
    with app.app_context(), app.services.sessions.begin() as session:
        row = session.query(OAuthClient).filter_by(client_id=reg["client_id"]).one()
        row.redirect_uris = bad
    _, challenge = pkce()
    for uri in bad:
        response = client.get("/oauth/authorize", query_string=auth_params(
            reg["client_id"], challenge, redirect_uri=uri, response_type="token"))
        assert response.status_code == 400 and "Location" not in response.headers, uri
        assert "invalid_request" in response.get_data(as_text=True)
    # Nor does such a row lend its origin CORS trust at the token endpoint.
    preflight = client.options("/oauth/token", headers={
        "Origin": f"http://evil-{unique}.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    with app.app_context(), app.services.sessions.begin() as session:
        session.query(OAuthClient).filter_by(client_id=reg["client_id"]).one().disabled = True
