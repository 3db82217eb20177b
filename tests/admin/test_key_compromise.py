"""A compromised department key: the impact report (dry run), revocation, and the
re-issue of the licences it signed (`onegate keys revoke`, `onegate licenses reissue`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from admin.cli import cli
from audit.models import AuditEntry
from credentials.models import Licence
from tests.credentials.helpers import dept_headers, make_department, wallet_headers


def run(app, *args):
    with app.app_context():
        return CliRunner().invoke(cli, ["--operator", "alice", *args])


def _issue(client, app, dept, holder=None) -> dict:
    body = dept.body(**({"holder": holder} if holder else {}))
    response = client.post("/api/v1/licenses", json=body, headers=dept_headers(app, dept))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _licence(app, identifier: str) -> Licence:
    with app.services.sessions() as session:
        return session.get(Licence, identifier)


@pytest.fixture
def signed(app, client, unique):
    """A department whose active key signed four licences: one valid, one suspended,
    one revoked and one expired. Only the first two are in force."""
    dept = make_department(app, unique)
    holder = dept.holder()
    made = [_issue(client, app, dept, holder)["identifier"] for _ in range(4)]
    headers = dept_headers(app, dept)
    for identifier, action in ((made[1], "suspend"), (made[2], "revoke")):
        answer = client.post(f"/api/v1/licenses/{identifier}/{action}",
                             json={"reason": "counter check", "public_reason": "under_review"},
                             headers=headers)
        assert answer.status_code == 200, answer.get_json()
    with app.services.sessions.begin() as session:
        session.execute(update(Licence).where(Licence.identifier == made[3])
                        .values(valid_until=datetime.now(UTC) - timedelta(days=1)))
    kid = _licence(app, made[0]).kid
    return dept, holder, made, kid


def _states(app, identifiers):
    return [(_licence(app, i).state, _licence(app, i).superseded_by) for i in identifiers]


def test_dry_run_counts_licences_in_force_by_type_and_changes_nothing(app, signed):
    dept, _, made, kid = signed
    before = _states(app, made)
    result = run(app, "keys", "revoke", kid, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["revoked"] is False and report["kid"] == kid
    assert report["licences_in_force"] == 2
    assert report["by_type"] == {dept.type_code: 2}
    assert report["by_state"] == {"suspended": 1, "valid": 1}
    keys = json.loads(run(app, "keys", "list", "--owner", f"dept:{dept.code}",
                          "--json").output)
    assert [k["state"] for k in keys if k["kid"] == kid] == ["active"]
    assert _states(app, made) == before
    text = run(app, "keys", "revoke", kid, "--dry-run")
    assert f"key {kid} would invalidate 2 licence(s) in force" in text.output


def test_reissue_refuses_while_the_key_still_signs_and_changes_nothing(app, signed):
    _, _, made, kid = signed
    before = _states(app, made)
    result = run(app, "licenses", "reissue", "--kid", kid)
    assert result.exit_code == 1 and "revoke it first" in result.output
    assert "Traceback" not in result.output
    assert _states(app, made) == before


def test_revoke_then_reissue_gives_holders_new_versions_once(app, client, signed):
    dept, holder, made, kid = signed
    owner = f"dept:{dept.code}"
    revoked = run(app, "keys", "revoke", kid, "--json")
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.stdout)["revoked"] is True
    assert json.loads(revoked.stdout)["licences_in_force"] == 2
    # Nothing signs for the department now: the re-issue says so in one line.
    stuck = run(app, "licenses", "reissue", "--kid", kid)
    assert stuck.exit_code == 1 and "no active signing key" in stuck.output
    assert run(app, "keys", "rotate", "--owner", owner, "--alg", "ES256",
               "--prepublish", "0").exit_code == 0

    first = run(app, "licenses", "reissue", "--kid", kid, "--json", "--batch", "1")
    assert first.exit_code == 0, first.output
    report = json.loads(first.output)
    assert report["reissued"] == 2 and report["by_type"] == {dept.type_code: 2}
    pairs = {d["previous"]: d["identifier"] for d in report["licences"]}
    assert set(pairs) == {made[0], made[1]}
    for old_id, new_id in pairs.items():
        old, new = _licence(app, old_id), _licence(app, new_id)
        assert old.state == "revoked" and old.superseded_by == new_id
        assert kid in old.state_reason
        assert (new.serial, new.version, new.previous_identifier) == (old.serial, "002", old_id)
        assert new.kid != kid and new.claims == old.claims
    # A suspended licence stays suspended under its new version.
    assert _licence(app, pairs[made[1]]).state == "suspended"
    assert _licence(app, pairs[made[1]]).state_reason == "counter check"
    assert _licence(app, pairs[made[1]]).public_reason == "under_review"  # public one too
    assert _licence(app, made[1]).public_reason == "superseded"
    # The revoked and the expired licence were left alone.
    assert _states(app, made[2:]) == [("revoked", None), ("valid", None)]

    again = run(app, "licenses", "reissue", "--kid", kid, "--json")
    assert again.exit_code == 0 and json.loads(again.output)["reissued"] == 0

    # The new version verifies online; the old one fails (revoked key, revoked status).
    new_valid = _licence(app, pairs[made[0]])
    answer = client.post("/api/v1/verify", json={"credential": new_valid.sd_jwt})
    assert answer.status_code == 200 and answer.get_json()["valid"] is True
    old_answer = client.post("/api/v1/verify",
                             json={"credential": _licence(app, made[0]).sd_jwt})
    assert old_answer.get_json()["valid"] is False
    # The holder's wallet lists the new versions, not the replaced ones.
    wallet = client.get("/api/v1/wallet/licenses", headers=wallet_headers(app, holder["number"]))
    listed = {w["identifier"] for w in wallet.get_json()["licenses"]}
    assert set(pairs.values()) <= listed and not listed & set(pairs)
    old_page = client.get(f"/api/v1/wallet/licenses/{made[0]}",
                          headers=wallet_headers(app, holder["number"])).get_json()
    assert (old_page["state"], old_page["superseded_by"]) == ("revoked", pairs[made[0]])
    assert kid in old_page["state_reason"]

    with app.services.sessions() as session:
        actions = {(e.action, e.actor) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.subject == kid))}
    assert ("operator.key.revoke", "operator:alice") in actions
    assert ("operator.licenses.reissue", "operator:alice") in actions


def test_revoke_unknown_kid_with_json_is_one_line(app):
    result = run(app, "keys", "revoke", "nope", "--dry-run", "--json")
    assert result.exit_code == 1 and "no key with kid nope" in result.output


def test_a_bounded_reissue_leaves_the_rest_for_the_next_run(app, signed):
    from credentials import key_compromise

    dept, _, made, kid = signed
    app.services.keyring.revoke(kid)
    app.services.keyring.rotate(f"dept:{dept.code}", "ES256", timedelta(0))
    deps = app.credentials_services.deps
    first = key_compromise.reissue_all(deps, kid, batch=1, max_batches=1)
    assert len(first) == 1
    with app.services.sessions() as session:
        assert key_compromise.impact(session, kid, datetime.now(UTC)).total == 1
    rest = key_compromise.reissue_all(deps, kid, batch=1)
    assert len(rest) == 1 and {first[0].previous, rest[0].previous} == {made[0], made[1]}


def test_licences_of_a_retired_type_are_still_replaced_after_a_compromise(app, client,
                                                                          signed):
    """Retiring a type stops new issuance, not the licences in force: they keep
    verifying, so a compromised key's re-issue must still replace them (a refusal
    would leave them signed by a revoked key, failing, with no way back)."""
    dept, holder, made, kid = signed
    retired = run(app, "types", "retire", dept.type_code, "--reason", "superseded by law")
    assert retired.exit_code == 0, retired.output
    fresh = client.post("/api/v1/licenses", json=dept.body(holder=holder),
                        headers=dept_headers(app, dept))
    assert fresh.status_code == 422 and fresh.get_json()["type"].endswith("/type-retired")
    assert run(app, "keys", "revoke", kid).exit_code == 0
    assert run(app, "keys", "rotate", "--owner", f"dept:{dept.code}", "--alg", "ES256",
               "--prepublish", "0").exit_code == 0
    result = run(app, "licenses", "reissue", "--kid", kid, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["reissued"] == 2
    # made[0] was valid (made[1] suspended, and its successor stays so).
    successor = _licence(app, next(d["identifier"] for d in report["licences"]
                                   if d["previous"] == made[0]))
    answer = client.post("/api/v1/verify", json={"credential": successor.sd_jwt})
    assert answer.status_code == 200 and answer.get_json()["valid"] is True
