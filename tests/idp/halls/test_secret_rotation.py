"""`onegate clients rotate-secret`: a new secret shown once, the replaced one accepted
by the token, introspection and revocation endpoints (client_secret_basic and
client_secret_post) until the overlap window ends, then invalid_client. Time moves by
a settable clock (the ``clock`` fixture), never by sleeping."""

from __future__ import annotations

import threading

import pytest

from tests.idp.halls.helpers import audit_entries, run, run_json
from tests.idp.protocol.helpers import basic, register
from tests.idp.services import idp_services


def _system(app, unique, method="client_secret_basic"):
    return register(app, unique, grant_types=["client_credentials"], redirect_uris=[],
                    scopes=["licences:read"], auth_method=method)


def _grant(client, reg, secret, method="client_secret_basic"):
    data = {"grant_type": "client_credentials"}
    if method == "client_secret_post":
        return client.post("/oauth/token", data={**data, "client_id": reg["client_id"],
                                                 "client_secret": secret})
    return client.post("/oauth/token", data=data, headers=basic(reg["client_id"], secret))


def _introspect(client, reg, secret, token):
    return client.post("/oauth/introspect", data={"token": token},
                       headers=basic(reg["client_id"], secret))


def _revoke(client, reg, secret, token):
    return client.post("/oauth/revoke", data={"token": token},
                       headers=basic(reg["client_id"], secret))


def _refused(response) -> bool:
    return response.status_code == 401 and response.json["error"] == "invalid_client"


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_both_secrets_work_during_the_overlap_and_only_the_new_one_after(
        app, client, clock, unique, method):
    reg = _system(app, unique, method)
    rotated = run_json(app, "rotate-secret", reg["client_id"], "--overlap", "24h")
    new = rotated["client_secret"]
    assert new != reg["secret"] and len(new) >= 43
    assert rotated["previous_secret_valid_until"] is not None
    assert _grant(client, reg, reg["secret"], method).status_code == 200
    assert _grant(client, reg, new, method).status_code == 200
    clock.advance(hours=23, minutes=59)
    assert _grant(client, reg, reg["secret"], method).status_code == 200
    clock.advance(minutes=1)  # the window ends: the replaced secret is refused
    assert _refused(_grant(client, reg, reg["secret"], method))
    assert _grant(client, reg, new, method).status_code == 200
    shown = run_json(app, "show", reg["client_id"])
    assert shown["previous_secret_valid_until"] is None and "client_secret" not in shown


def test_introspection_and_revocation_accept_either_secret_in_the_window(
        app, client, clock, unique):
    reg = _system(app, unique)
    token = _grant(client, reg, reg["secret"]).json["access_token"]
    new = run_json(app, "rotate-secret", reg["client_id"], "--overlap", "1h")["client_secret"]
    for secret in (reg["secret"], new):
        answer = _introspect(client, reg, secret, token)
        assert answer.status_code == 200 and answer.json["active"] is True
    clock.advance(hours=1, seconds=1)
    assert _refused(_introspect(client, reg, reg["secret"], token))
    assert _refused(_revoke(client, reg, reg["secret"], token))
    assert _introspect(client, reg, new, token).json["active"] is True
    assert _revoke(client, reg, new, token).status_code == 200
    assert _introspect(client, reg, new, token).json == {"active": False}


def test_overlap_zero_retires_the_old_secret_at_once(app, client, clock, unique):
    reg = _system(app, unique)
    rotated = run(app, "rotate-secret", reg["client_id"], "--overlap", "0")
    assert rotated.exit_code == 0 and "no longer works" in rotated.output
    new = rotated.output.split("client_secret: ")[1].split()[0]
    assert _refused(_grant(client, reg, reg["secret"]))
    assert _grant(client, reg, new).status_code == 200


def test_a_second_rotation_in_the_window_retires_the_oldest_secret(app, client, clock, unique):
    """Documented in idp.secret_rotation: at most two secrets work; the one replaced
    by the second rotation gets the new window, the first one stops at once."""
    reg = _system(app, unique)
    second = run_json(app, "rotate-secret", reg["client_id"], "--overlap", "24h")
    clock.advance(hours=2)
    third = run_json(app, "rotate-secret", reg["client_id"], "--overlap", "1h")
    assert _refused(_grant(client, reg, reg["secret"]))
    assert _grant(client, reg, second["client_secret"]).status_code == 200
    assert _grant(client, reg, third["client_secret"]).status_code == 200
    clock.advance(hours=1, seconds=1)
    assert _refused(_grant(client, reg, second["client_secret"]))
    assert _grant(client, reg, third["client_secret"]).status_code == 200


def test_secrets_are_stored_as_kek_keyed_hashes_and_the_rotation_is_audited(
        app, clock, unique):
    from idp.models.clients import OAuthClient

    reg = _system(app, unique)
    new = run_json(app, "rotate-secret", reg["client_id"], "--overlap", "7d")["client_secret"]
    with app.services.sessions() as session:
        row = session.query(OAuthClient).filter_by(client_id=reg["client_id"]).one()
        hashes = (row.secret_hash, row.previous_secret_hash)
    secrets = idp_services(app).client_secrets
    assert hashes == (secrets.hash(new), secrets.hash(reg["secret"]))
    assert all(h.startswith("hmac-sha256-kek$") and new not in h and reg["secret"] not in h
               for h in hashes)
    [entry] = audit_entries(app, reg["client_id"], "operator.client.rotate_secret")
    assert entry.actor == "operator:ops-halls" and entry.data["overlap_seconds"] == 7 * 86400
    assert new not in str(entry.data) and reg["secret"] not in str(entry.data)


@pytest.mark.parametrize("overlap", ["-1h", "24x", "31d", "", "1e3", "24 h h"])
def test_bad_overlaps_are_usage_errors(app, unique, overlap):
    reg = _system(app, unique)
    refused = run(app, "rotate-secret", reg["client_id"], "--overlap", overlap)
    assert refused.exit_code == 2 and refused.output.startswith("Error: --overlap")
    assert len(refused.output.strip().splitlines()) == 1


def test_clients_without_a_secret_and_unknown_clients_are_refused(app, unique):
    public = register(app, unique, auth_method="none")
    refused = run(app, "rotate-secret", public["client_id"])
    assert refused.exit_code == 1 and "has no secret to rotate" in refused.output
    unknown = run(app, "rotate-secret", f"c_nobody{unique}")
    assert unknown.exit_code == 1 and unknown.output == f"Error: no client c_nobody{unique}\n"


def test_a_concurrent_rotation_fails_instead_of_losing_a_shown_secret(app, client, unique):
    """Two operators rotate at once: the later commit changes nothing and says so;
    the secret the first was shown works, the one the second would have got never
    existed. The second session read the row before the first rotated (its identity
    map keeps that read), whichever of the two writes reaches the database first: on
    PostgreSQL a second UPDATE that comes first waits for the first's row lock."""
    from datetime import timedelta

    from idp.secret_rotation import ConcurrentRotation, rotate

    reg = _system(app, unique)
    secrets = idp_services(app).client_secrets
    outcome: dict = {}
    first = app.services.sessions()
    second = app.services.sessions()
    try:
        # Both read the same current secret before either writes (the reference keeps
        # the second's read in its identity map, which is weak).
        from idp.registration import find_row

        stale = find_row(second, reg["client_id"])
        _, shown = rotate(first, secrets, reg["client_id"], timedelta(hours=1))

        def late():
            try:
                outcome["secret"] = rotate(second, secrets, reg["client_id"],
                                           timedelta(hours=1))[1]
                second.commit()
            except ConcurrentRotation as exc:
                outcome["error"] = str(exc)
                second.rollback()

        thread = threading.Thread(target=late)
        thread.start()
        first.commit()
        thread.join(30)
        assert not thread.is_alive() and stale is not None
    finally:
        first.close()
        second.close()
    assert "rotated by someone else" in outcome.get("error", ""), outcome
    assert _grant(client, reg, shown).status_code == 200
    assert _grant(client, reg, reg["secret"]).status_code == 200  # in the first's window
