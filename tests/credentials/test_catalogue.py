"""Catalogue rules, issuer metadata, the demo catalogue and the CLI groups."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from credentials import catalogue, demo
from credentials.cli import groups
from credentials.errors import ValidationFailed
from tests.credentials.helpers import TEST_SCHEMA, uscc


def spec(**extra):
    values = dict(code=uscc() + "001", name_zh="许可", name_en="Permit", departments=["x"],
                  holder_kind="person", validity_days=30, json_schema=TEST_SCHEMA)
    values.update(extra)
    return catalogue.TypeSpec(**values)


@pytest.mark.parametrize("bad, field", [
    ({"code": "91440300708461136X001"}, "code"),
    ({"code": "short"}, "code"),
    ({"json_schema": {"type": "object", "properties": {"a": {"type": "nonsense"}}}},
     "json_schema"),
    ({"json_schema": {"type": "array"}}, "json_schema"),
    ({"json_schema": {"type": "object", "properties": {"vct": {}}}}, "json_schema.properties.vct"),
    ({"always_disclosed": ["nope"]}, "always_disclosed"),
    ({"offline_claims": ["address"]}, "offline_claims"),
    ({"holder_kind": "robot"}, "holder_kind"),
    ({"validity_days": 0}, "validity_days"),
])
def test_type_rules(bad, field):
    fields = [e.field for e in catalogue.type_errors(spec(**bad))]
    assert field in fields


def test_department_rules(app, unique):
    sessions = app.services.sessions
    ring = app.services.keyring
    with pytest.raises(ValidationFailed) as caught:
        catalogue.create_department(sessions, ring, code="a b", name="", uscc="123")
    assert {e.field for e in caught.value.errors} == {"code", "name", "uscc"}
    credit = uscc()
    catalogue.create_department(sessions, ring, code="c" + unique, name="厅", uscc=credit)
    with pytest.raises(ValidationFailed):
        catalogue.create_department(sessions, ring, code="c" + unique, name="厅", uscc=uscc())


def test_issuer_metadata(client, app, dept):
    ring = app.services.keyring
    from datetime import timedelta

    import keys

    ring.rotate(keys.department(dept.code), "ES256", timedelta(0))
    ring.promote_due(keys.department(dept.code))
    meta = client.get(f"/.well-known/jwt-vc-issuer/issuers/{dept.code}").get_json()
    assert meta["issuer"] == f"http://localhost/issuers/{dept.code}"
    assert len(meta["jwks"]["keys"]) == 2  # the retired key is still published
    assert client.get(f"/issuers/{dept.code}/jwks").get_json() == meta["jwks"]
    assert client.get("/issuers/none-such/jwks").status_code == 404
    vct = client.get(f"/types/{dept.type_code}").get_json()
    assert vct["vct"] == f"http://localhost/types/{dept.type_code}" and vct["name"] == "测试许可证"


def test_demo_is_idempotent_and_valid(app):
    args = (app.services.sessions, app.services.keyring,
            "http://localhost")
    first = demo.load(*args)
    assert demo.load(*args) == first
    assert len([line for line in first if line.startswith("licence type")]) == 5
    for type_spec in demo.TYPES:
        assert catalogue.type_errors(type_spec) == []


def run_cli(app, *args):
    import click

    @click.group()
    def root():
        pass

    for group in groups(lambda: app.credentials_services):
        root.add_command(group)
    with app.app_context():
        return CliRunner().invoke(root, list(args), catch_exceptions=False)


def register_client(app, client_id: str) -> str:
    from idp.clients_cli import NewClient, create
    from tests.idp.services import idp_services

    with app.app_context(), app.services.sessions.begin() as session:
        create(session, NewClient(name="系统", client_id=client_id,
                                  grant_types=["client_credentials"], scopes=["openid"]),
               idp_services(app).client_secrets)
    return client_id


def test_add_client_refuses_a_client_the_provider_does_not_know(app, unique):
    from credentials.models import DepartmentClient

    run_cli(app, "departments", "add", "cli" + unique, "--name", "广东省测试局", "--uscc", uscc())
    result = run_cli(app, "departments", "add-client", "cli" + unique, "typo" + unique)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (f"Error: no OAuth client 'typo{unique}' "
                                     "(see onegate clients list)")
    with app.services.sessions() as session:
        assert session.get(DepartmentClient, "typo" + unique) is None


def test_cli_groups(app, unique, tmp_path):
    credit = uscc()
    result = run_cli(app, "departments", "add", "cli" + unique, "--name", "广东省测试局",
                     "--uscc", credit)
    assert result.exit_code == 0, result.output
    assert run_cli(app, "departments", "add", "bad code", "--name", "x",
                   "--uscc", "1").exit_code != 0
    listed = json.loads(run_cli(app, "departments", "list", "--json").output)
    assert any(d["code"] == "cli" + unique for d in listed)
    client_id = register_client(app, "c" + unique)
    assert run_cli(app, "departments", "add-client", "cli" + unique, client_id).exit_code == 0
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(TEST_SCHEMA), encoding="utf-8")
    code = uscc() + "007"
    result = run_cli(app, "types", "add", code, "--name-zh", "测试", "--name-en", "Test",
                     "--department", "cli" + unique, "--holder-kind", "person",
                     "--validity-days", "365", "--schema", str(schema),
                     "--always", "permit_number", "--offline", "permit_number")
    assert result.exit_code == 0, result.output
    assert code in run_cli(app, "types", "list").output
