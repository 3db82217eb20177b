"""`onegate clients disable|enable|trust|untrust`: a disabled client is refused at
every endpoint and what it was given is revoked (RFC 7009 style); enabling revives
nothing; ``trusted`` skips the consent page (never for ``identity``); each is audited."""

from __future__ import annotations

from tests.idp.halls.helpers import audit_entries, run, run_json
from tests.idp.protocol.helpers import (
    auth_params,
    authorize,
    basic,
    exchange,
    login,
    make_person,
    pkce,
    register,
    signed_in_code,
)


def _introspect(client, reg, token):
    return client.post("/oauth/introspect", data={"token": token},
                       headers=basic(reg["client_id"], reg["secret"]))


def test_disable_refuses_everywhere_and_revokes_what_the_client_holds(app, client, unique):
    from idp.models.tokens import AuthorizationCode, TokenFamily

    reg = register(app, unique, trusted=True)
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    tokens = exchange(client, reg, code, verifier).json
    # Another browser (a new login here would end the first person's session).
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = client.environ_base["REMOTE_ADDR"]
    unredeemed, *_ = signed_in_code(app, other, unique + "u", reg)
    disabled = run_json(app, "disable", reg["client_id"])
    assert disabled["disabled"] is True
    assert (disabled["revoked_token_families"], disabled["expired_codes"]) == (1, 1)

    # The authorization endpoint: an error page, never a redirect to the hall.
    _, challenge = pkce()
    page = client.get("/oauth/authorize", query_string=auth_params(reg["client_id"], challenge))
    assert page.status_code == 400 and "Location" not in page.headers
    assert page.mimetype == "text/html"
    # The token, introspection and revocation endpoints: invalid_client.
    for response in (
            client.post("/oauth/token", data={"grant_type": "refresh_token",
                                              "refresh_token": tokens["refresh_token"]},
                        headers=basic(reg["client_id"], reg["secret"])),
            _introspect(client, reg, tokens["access_token"]),
            client.post("/oauth/revoke", data={"token": tokens["access_token"]},
                        headers=basic(reg["client_id"], reg["secret"]))):
        assert response.status_code == 401 and response.json["error"] == "invalid_client"
    # A resource server asking about the hall's tokens hears they are no longer active.
    info = client.get("/oauth/userinfo",
                      headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert info.status_code == 401

    # Enabled again: the hall works, what disabling ended stays ended.
    assert run_json(app, "enable", reg["client_id"])["disabled"] is False
    assert _introspect(client, reg, tokens["access_token"]).json == {"active": False}
    refreshed = client.post("/oauth/token", data={"grant_type": "refresh_token",
                                                  "refresh_token": tokens["refresh_token"]},
                            headers=basic(reg["client_id"], reg["secret"]))
    assert refreshed.status_code == 400 and refreshed.json["error"] == "invalid_grant"
    assert exchange(client, reg, unredeemed, pkce()[0]).json["error"] == "invalid_grant"
    with app.services.sessions() as session:
        family = session.query(TokenFamily).filter_by(client_id=reg["client_id"]).one()
        assert family.revoked_reason == "client_disabled"
        assert session.query(AuthorizationCode).filter_by(client_id=reg["client_id"]).count() \
            == 2
    [entry] = audit_entries(app, reg["client_id"], "operator.client.disable")
    assert entry.actor == "operator:ops-halls" and entry.data["revoked_token_families"] == 1
    assert len(audit_entries(app, reg["client_id"], "operator.client.enable")) == 1
    again = signed_in_code(app, client, unique + "a", reg)
    assert exchange(client, reg, again[0], again[1]).status_code == 200


def test_client_credentials_tokens_of_a_disabled_client_introspect_inactive(
        app, client, unique):
    """They were never stored, so no denylist entry covers them: introspection asks
    whether their client is still enabled (SECURITY.md names the offline gap)."""
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[],
                   scopes=["licences:read", "token:introspect"])
    other = register(app, unique + "o", grant_types=["client_credentials"], redirect_uris=[],
                     scopes=["token:introspect"])
    token = client.post("/oauth/token", data={"grant_type": "client_credentials",
                                              "scope": "licences:read"},
                        headers=basic(reg["client_id"], reg["secret"])).json["access_token"]
    assert _introspect(client, other, token).json["active"] is True
    run_json(app, "disable", reg["client_id"])
    assert _introspect(client, other, token).json == {"active": False}


def test_trusted_skips_consent_except_identity_and_untrust_asks_again(app, client, unique):
    reg = register(app, unique)
    person = make_person(app, unique)
    assert login(client, person["username"]).status_code == 302
    _, challenge = pkce()

    def params(**extra):  # a fresh nonce each time (a reused one is a replay)
        return auth_params(reg["client_id"], challenge, **extra)

    first = client.get("/oauth/authorize", query_string=params())
    assert first.status_code == 200, first.headers.get("Location")  # the consent page
    trusted = run_json(app, "trust", reg["client_id"])
    assert trusted["trusted"] is True
    skipped = client.get("/oauth/authorize", query_string=params())
    assert skipped.status_code == 302 and "code=" in skipped.headers["Location"]
    identity = client.get("/oauth/authorize", query_string=params(scope="openid identity"))
    assert identity.status_code == 200 and 'name="decision"' in identity.get_data(as_text=True)
    assert run_json(app, "untrust", reg["client_id"])["trusted"] is False
    asked = client.get("/oauth/authorize", query_string=params())
    assert asked.status_code == 200, asked.headers.get("Location")
    assert 'name="decision"' in asked.get_data(as_text=True)
    trust = audit_entries(app, reg["client_id"], "operator.client.trust")
    untrust = audit_entries(app, reg["client_id"], "operator.client.untrust")
    assert [e.data["changed"] for e in trust + untrust] == [True, True]
    assert authorize(client, params()).status_code == 302


def test_unknown_clients_are_one_line_exit_1(app, unique):
    for command in ("disable", "enable", "trust", "untrust", "show"):
        result = run(app, command, f"c_nobody{unique}")
        assert result.exit_code == 1, (command, result.output)
        assert result.output == f"Error: no client c_nobody{unique}\n"
