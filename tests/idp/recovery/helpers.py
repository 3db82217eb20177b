"""Shared steps of the recovery tests: the CLI, the reset pages, the audit trail."""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import parse_qs, urlsplit

from click.testing import CliRunner
from sqlalchemy import select

from tests.idp.accounts.factories import csrf

NEW_PASSWORD = "a brand new passphrase"


def cli(app, *args: str, operator: str = "王五"):
    from admin import cli as admin_cli

    with app.app_context():
        return CliRunner().invoke(admin_cli.cli, ["--operator", operator, *args])


def hall_code(app, name: str) -> str:
    """The code of a registered hall named ``name`` (registered on first use)."""
    import hashlib

    from idp import halls
    from idp.errors import UnknownHall

    code = "t-" + hashlib.sha256(name.encode()).hexdigest()[:12]
    with app.idp_services.work() as session:
        try:
            halls.get(session, code)
        except UnknownHall:
            halls.add(session, code, name, "county", "广州市")
    return code


def issue(app, identifier: str, *args: str, command: str = "reset-password",
          hall: str = "天河区政务服务中心") -> dict:
    """Issue a code through the CLI (ID document checked) at the hall named ``hall``;
    return its JSON."""
    result = cli(app, "accounts", command, identifier, "--id-checked", "--hall",
                 hall_code(app, hall), "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def fragment(link: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).fragment).items()}


def other_client(app):
    test_client = app.test_client()
    test_client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(256)}." \
        f"{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    return test_client


def enter_code(client, login: str, code: str):
    """Post the code entry form (English pages, kept in the session)."""
    page = client.get("/account/reset", query_string={"ui_locales": "en"})
    return client.post("/account/reset", data={
        "csrf_token": csrf(page.get_data(as_text=True)), "login": login, "code": code})


def set_password(client, password: str = NEW_PASSWORD, again: str | None = None):
    page = client.get("/account/reset/new")
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return client.post("/account/reset/new", data={
        "csrf_token": csrf(page.get_data(as_text=True)), "password": password,
        "password2": password if again is None else again})


def error_text(response) -> str:
    match = re.search(r'id="form-error">([^<]*)<', response.get_data(as_text=True))
    return match.group(1) if match else ""


def audit_entries(app, sub: str, action: str) -> list:
    from audit.models import AuditEntry

    with app.services.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.subject == sub, AuditEntry.action == action)
            .order_by(AuditEntry.seq)))
