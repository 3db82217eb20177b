"""`onegate init --demo`: demo data loads once, prints logins, and those logins work."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from admin.cli import cli


def run_init(app):
    with app.app_context():
        return CliRunner().invoke(cli, ["init", "--demo"])


def test_demo_loads_once_prints_the_same_logins_and_they_work(app):
    first = run_init(app)
    assert first.exit_code == 0, first.output
    second = run_init(app)
    assert second.exit_code == 0, second.output
    assert first.output == second.output
    logins = json.loads((Path(app.config["ONEGATE"]["INSTANCE_PATH"]) /
                         "demo-logins.json").read_text())
    assert f"login zhangsan       password {logins['zhangsan']}" in first.output
    assert "demo-hall-tianhe" in first.output and "营业执照" in first.output
    assert first.output.count("1.2.156.3005.2.") == 2
    check_demo_logins_work(app, logins)


def check_demo_logins_work(app, logins: dict) -> None:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"csrf_token": token, "login": "zhangsan",
                                           "password": logins["zhangsan"]})
    assert response.status_code == 302
    grant = client.post("/oauth/token", data={
        "grant_type": "client_credentials",
        "scope": "licenses:issue:11100000MB0143028R001"},
        auth=("demo-dept-gdamr", logins["demo-dept-gdamr"]))
    assert grant.status_code == 200, grant.get_json()
    assert grant.get_json()["token_type"].lower() == "bearer"
