"""``onegate audit verify`` and ``onegate audit list`` (run inside the app context)."""

from __future__ import annotations

import json

import click
from flask import current_app

from audit import log


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit trail."""


@audit_group.command("verify")
def verify_command() -> None:
    """Recompute the chain; exit 1 and name the first broken entry if any."""
    with current_app.extensions["onegate.sessions"]() as session:
        found, count = log.find_break(session)
    if found is not None:
        click.echo(f"audit chain broken at entry {found.seq}: {found.reason}", err=True)
        raise SystemExit(1)
    click.echo(f"audit chain intact: {count} entries")


@audit_group.command("list")
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of lines.")
def list_command(limit: int, as_json: bool) -> None:
    """The newest entries, newest first."""
    with current_app.extensions["onegate.sessions"]() as session:
        rows = [entry.as_dict() for entry in log.recent(session, limit)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['seq']:>8}  {row['at']}  {row['actor']:<24} {row['action']:<24} "
                   f"{row['subject']}")
