"""``onegate audit verify|checkpoint|list``.

``verify`` exits 0 when the trail is intact, 1 when it is tampered (one line says what
and where), 2 on usage errors (an unreadable ``--checkpoint`` file, say).

The group is built by ``group(services)``: the command line is parsed before the app
exists, so ``services`` is a callable that the commands call when they run (admin's
composition root passes one that answers the running app's ``AuditServices``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import click

from audit import checkpoint as cp
from audit import checkpoints, log, publishing, verification
from audit.services import AuditServices


def group(services: Callable[[], AuditServices]) -> click.Group:
    """The ``audit`` command group over the app's audit services."""

    @click.group("audit")
    def audit_group() -> None:
        """The keyed, checkpointed audit trail."""

    @audit_group.command("verify")
    @click.option("--checkpoint", "copies", multiple=True,
                  type=click.Path(dir_okay=False, path_type=Path),
                  help="A checkpoint kept outside (the JSON of GET /audit/checkpoint or "
                       "the bare JWS); repeatable.")
    @click.option("--expect-at-least", "at_least", type=click.IntRange(0), default=0,
                  help="Tampered if the log ends before this seq (a head seen elsewhere).")
    def verify_command(copies: tuple[Path, ...], at_least: int) -> None:
        """Check the HMAC chain, every checkpoint's signature, and that the chain still
        holds what each checkpoint covered; exit 1 naming the first failure."""
        outside = {str(path): _read_copy(path) for path in copies}
        work = services().unit_of_work
        with work.scope():
            report = verification.verify_trail(work.session(), outside, at_least=at_least)
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        if report.failure is not None:
            click.echo(str(report.failure), err=True)
            raise SystemExit(1)
        click.echo(f"audit trail intact: {report.entries} entries, "
                   f"{report.checkpoints} checkpoints verified")

    @audit_group.command("checkpoint")
    @click.option("--show", is_flag=True,
                  help="Print the checkpoint of the current head as GET /audit/checkpoint "
                       "does (signing it if the head moved since the last one).")
    def checkpoint_command(show: bool) -> None:
        """Sign a checkpoint of the chain head now (when it moved since the last one)."""
        if show:
            _show(services())
        else:
            _checkpoint(services())

    @audit_group.command("list")
    @click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="One JSON array instead of lines.")
    def list_command(limit: int, as_json: bool) -> None:
        """The newest entries, newest first."""
        work = services().unit_of_work
        with work.scope():
            rows = [entry.as_dict() for entry in log.recent(work.session(), limit)]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            click.echo(f"{row['seq']:>8}  {row['at']}  {row['actor']:<24} "
                       f"{row['action']:<24} {row['subject']}")

    return audit_group


def _read_copy(path: Path) -> str:
    """Raises click.BadParameter (exit 2) for a missing or unreadable copy."""
    try:
        return cp.token_from_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--checkpoint") from None


def _checkpoint(services: AuditServices) -> None:
    work = services.unit_of_work
    with work.scope():
        log.seal_legacy(work.session())
        # Committed before signing: signing may create the audit key in the key ring's
        # own transaction, which must not wait behind the audit lock the seal took.
        work.commit()
        session = work.session()
        row = checkpoints.make(session, services.trail, force=True)
        if row is None:
            last = checkpoints.latest(session)
            click.echo("nothing to checkpoint: the log is empty" if last is None else
                       f"checkpoint at seq {last.seq} is current")
            return
    # Not itself audited: an entry about the checkpoint would move the head past it.
    click.echo(f"checkpoint at seq {row.seq} signed by {row.kid}")


def _show(services: AuditServices) -> None:
    work = services.unit_of_work
    with work.scope():  # as `checkpoint` does: never sign a legacy head
        log.seal_legacy(work.session())
    # An operator asked for it now: no reuse window (a publisher of this run only).
    found = publishing.Publisher(services.sessions, reuse_for=timedelta(0)).current()
    if found is None:
        click.echo("no checkpoint yet: the log is empty", err=True)
        raise SystemExit(1)
    click.echo(json.dumps(found.body(services.jwks_uri), indent=2))
