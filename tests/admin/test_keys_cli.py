"""`onegate keys`: list, rotate and revoke, with readable errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from admin.cli import cli


def run(app, *args):
    with app.app_context():
        return CliRunner().invoke(cli, ["keys", *args])


def test_rotate_publishes_a_next_key_listed_as_json(app):
    result = run(app, "rotate", "--owner", "provider", "--alg", "EdDSA", "--prepublish", "1d")
    assert result.exit_code == 0, result.output
    kid = result.output.split()[2]
    listed = json.loads(run(app, "list", "--owner", "provider", "--json").output)
    assert {"kid": kid, "state": "next"}.items() <= next(
        r for r in listed if r["kid"] == kid).items()
    assert all("private" not in key for row in listed for key in row)


def test_rotate_refuses_unknown_owners_and_departments(app):
    bad = run(app, "rotate", "--owner", "nobody", "--alg", "RS256")
    assert bad.exit_code == 2 and "owner must be" in bad.output
    assert "Traceback" not in bad.output
    missing = run(app, "rotate", "--owner", "dept:nosuchdept", "--alg", "ES256")
    assert missing.exit_code == 2 and "no department 'nosuchdept'" in missing.output


def test_revoke_unknown_kid_is_one_line(app):
    result = run(app, "revoke", "no-such-kid")
    assert result.exit_code == 1 and "no key with kid no-such-kid" in result.output


def test_a_kid_beginning_with_a_dash_is_read_as_the_kid_not_an_option(app):
    """One thumbprint in 64 begins with "-" (base64url): it must reach the command as
    the kid, with or without the conventional "--"."""
    kid = "-7" + "A" * 41
    for args in (["revoke", kid], ["revoke", "--", kid]):
        result = run(app, *args)
        assert result.exit_code == 1, result.output
        assert f"no key with kid {kid}" in result.output
    assert "Usage:" in run(app, "revoke", "--help").output


def test_rotate_refuses_an_algorithm_departments_do_not_sign_with(app, unique):
    """A department signs licences with ES256 only: an RS256 'rotation' would publish
    a key that never signs while the old one goes on."""
    from tests.credentials.helpers import make_department

    dept = make_department(app, unique)
    before = json.loads(run(app, "list", "--owner", f"dept:{dept.code}", "--json").output)
    result = run(app, "rotate", "--owner", f"dept:{dept.code}", "--alg", "RS256")
    assert result.exit_code == 2, result.output
    assert "departments sign with ES256" in result.output
    after = json.loads(run(app, "list", "--owner", f"dept:{dept.code}", "--json").output)
    assert after == before
    rotated = run(app, "rotate", "--owner", f"dept:{dept.code}", "--alg", "ES256")
    assert rotated.exit_code == 0, rotated.output


def test_revoking_the_last_active_key_says_nothing_signs_and_how_to_recover(app, unique):
    from tests.credentials.helpers import make_department

    dept = make_department(app, unique)
    owner = f"dept:{dept.code}"
    active = [r for r in json.loads(run(app, "list", "--owner", owner, "--json").output)
              if r["state"] == "active"]
    result = run(app, "revoke", active[0]["kid"])
    assert result.exit_code == 0, result.output
    assert f"{owner} has no active ES256 key now" in result.output
    hint = f"onegate keys rotate --owner {owner} --alg ES256 --prepublish 0"
    assert hint in result.output
    recovered = run(app, *hint.split()[2:])
    assert recovered.exit_code == 0, recovered.output
    with app.app_context():
        assert app.services.keyring.signer(owner, "ES256").kid != active[0]["kid"]


def test_rotate_and_department_registration_print_json(app, unique):
    from tests.credentials.helpers import uscc

    with app.app_context():
        added = CliRunner().invoke(cli, ["departments", "add", f"j{unique}", "--name",
                                         "测试局", "--uscc", uscc(), "--json"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["issuer"].endswith(f"/issuers/j{unique}")
    rotated = run(app, "rotate", "--owner", f"dept:j{unique}", "--alg", "ES256",
                  "--prepublish", "2d", "--json")
    assert rotated.exit_code == 0, rotated.output
    row = json.loads(rotated.output)
    assert row["state"] == "next" and row["owner"] == f"dept:j{unique}"
    assert "encrypted_private" not in row
