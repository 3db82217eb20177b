"""Operators' commands of issue 10: rotation schedules (``onegate keys schedule``),
``onegate backup``/``restore`` and ``onegate housekeeping``. admin.cli attaches them
(``register``); each prints JSON with ``--json``, fails in one line, and records the
operator's action in the audit trail."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import click

from admin.settings import parse_duration


def _app():
    from admin.cli import running_app

    return running_app()


def _record(action: str, subject: str, data: dict) -> None:
    from admin.cli import _record as record

    record(action, subject, data)


def _duration(text: str, hint: str) -> timedelta:
    try:
        return timedelta(seconds=parse_duration(text))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


def _echo(data, as_json: bool, line: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else line)


@click.command("schedule")
@click.option("--owner", required=True, help="provider, audit or dept:<code>.")
@click.option("--every", required=True, help="Rotation period, e.g. 90d (at least 1d).")
@click.option("--prepublish", default=None,
              help="How long each new key is published before it signs; default "
                   "ONEGATE_KEY_PREPUBLISH.")
@click.option("--json", "as_json", is_flag=True)
def keys_schedule(owner: str, every: str, prepublish: str | None, as_json: bool) -> None:
    """Rotate OWNER's keys every period; `onegate housekeeping` (or serve) publishes them."""
    from admin import key_admin

    services = _app().services
    period = _duration(every, "--every")
    early = _duration(prepublish, "--prepublish") if prepublish else \
        timedelta(seconds=services.settings["KEY_PREPUBLISH"])
    try:
        schedule = key_admin.set_schedule(services, owner, period, early)
    except key_admin.KeyAdminError as exc:
        raise click.ClickException(str(exc)) from None
    data = key_admin.schedule_json(schedule)
    _record("key.schedule", owner, data)
    _echo(data, as_json, f"{owner}: a new key every {every}; next published "
                         f"{data['next_rotation_at']}")


@click.command("unschedule")
@click.option("--owner", required=True)
@click.option("--json", "as_json", is_flag=True)
def keys_unschedule(owner: str, as_json: bool) -> None:
    """Stop rotating OWNER's keys on a schedule."""
    from admin import key_admin

    if not key_admin.remove_schedule(_app().services, owner):
        raise click.ClickException(f"{owner} has no rotation schedule")
    _record("key.unschedule", owner, {})
    _echo({"owner": owner, "scheduled": False}, as_json, f"{owner}: no longer rotated on a "
                                                         "schedule")


@click.command("schedules")
@click.option("--json", "as_json", is_flag=True)
def keys_schedules(as_json: bool) -> None:
    """List rotation schedules and when each next publishes a key."""
    from admin import key_admin

    rows = key_admin.schedule_rows(_app().services)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['owner']:<20} every {row['every_seconds'] // 86400}d "
                   f"(prepublish {row['prepublish_seconds']}s)  next {row['next_rotation_at']}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def backup(file: Path, as_json: bool) -> None:
    """Write the database (signing keys sealed under the KEK included) to FILE."""
    from admin import backup as backups
    from admin.backup_archive import BackupError

    if file.exists():
        raise click.ClickException(f"{file} exists: choose a new file name")
    try:
        manifest = backups.create(_app().services, file)
    except BackupError as exc:
        file.unlink(missing_ok=True)
        raise click.ClickException(str(exc)) from None
    data = {k: v for k, v in manifest.data.items() if k != "kek_check"}
    _record("backup.create", file.name, {"sha256": data["sha256"], "size": data["size"]})
    _echo({"file": str(file), **data}, as_json,
          f"backup written to {file} ({data['database']}, {data['size']} bytes, "
          f"sha256 {data['sha256'][:16]}...)")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace everything in a database that is not empty.")
@click.option("--json", "as_json", is_flag=True)
def restore(file: Path, force: bool, as_json: bool) -> None:
    """Load a backup into the configured (empty) database; sign-ins are cleared."""
    from admin import backup as backups
    from admin.backup_archive import BackupError

    try:
        result = backups.restore(_app().services, file, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    data = {"file": str(file), "created_at": result.manifest.data["created_at"],
            "schema_heads": result.manifest.data["schema_heads"],
            "cleared": result.cleared, "status_lists_republished": result.status_lists,
            "forced": force}
    _record("backup.restore", file.name, data)
    _echo(data, as_json, f"restored {file} (made {data['created_at']}); cleared "
                         f"{sum(result.cleared.values())} sign-in rows; republished "
                         f"{result.status_lists} status lists; run `onegate db upgrade` "
                         "if this version is newer")


@click.command("housekeeping")
@click.option("--once", is_flag=True, help="One run, then exit (for cron).")
@click.option("--json", "as_json", is_flag=True)
def housekeeping(once: bool, as_json: bool) -> None:
    """Delete expired rows in batches and publish keys whose rotation is due."""
    from admin import housekeeping as job
    from admin.runner_lock import RunnerLock

    app = _app()
    lock = RunnerLock(app.services.engine)
    try:
        while True:
            report = job.run_if_leader(app, lock)
            _report(report, as_json)
            if once:
                return
            time.sleep(app.services.settings["HOUSEKEEPING_INTERVAL"])  # the job's period
    finally:
        lock.release()


def _report(report, as_json: bool) -> None:
    if report.ran:
        _record("housekeeping.run", "housekeeping", report.to_json())
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    elif not report.ran:
        click.echo("another housekeeping runner holds the lock: nothing done")
    else:
        deleted = ", ".join(f"{k} {v}" for k, v in report.deleted.items())
        click.echo(f"deleted: {deleted}; keys published by schedule: {len(report.rotated)}")


def register(cli: click.Group, keys_group: click.Group) -> None:
    """Attach the commands to the root command and its ``keys`` group."""
    for command in (keys_schedule, keys_unschedule, keys_schedules):
        keys_group.add_command(command)
    for command in (backup, restore, housekeeping):
        cli.add_command(command)
