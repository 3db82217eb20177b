"""Shared helpers of the halls tests: the clients command group, a settable clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import click
from click.testing import CliRunner

from edge.timestamps import utcnow
from tests.idp.services import idp_services


def run(app, *args, operator: str = "ops-halls"):
    """``onegate --operator OPERATOR clients ARGS`` against ``app``."""
    from audit.operators import META_KEY
    from idp.clients_cli import clients_group

    @click.group()
    @click.pass_context
    def root(ctx):
        ctx.meta[META_KEY] = operator

    root.add_command(clients_group(idp_services(app)))
    with app.app_context():
        return CliRunner().invoke(root, ["clients", *args], catch_exceptions=False)


def run_json(app, *args):
    result = run(app, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


class Clock:
    """Now, as the secrets' overlap windows see it (idp.clients.secret_clock)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def audit_entries(app, subject: str, action: str) -> list:
    from audit.models import AuditEntry

    with app.services.sessions() as session:
        return list(session.query(AuditEntry).filter_by(subject=subject, action=action)
                    .order_by(AuditEntry.seq))
