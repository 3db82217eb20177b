"""The `onegate` command. Every subcommand but a few runs with an app: the one the root
command builds, or the one an embedding caller (a test, a script) pushed a context of.
Commands reach it through ``running_app()`` and hand packages their typed services; the
packages' command groups get theirs through a closure (``audit.cli.group``)."""

from __future__ import annotations

import functools
import json
import os
import re
import sys

import click
from flask import current_app, has_app_context

from admin import bootstrap
from admin.edge import OnegateFlask
from admin.settings import SERVERS, ConfigError, markdown_table

#: Commands that need no app, so no instance: they neither read nor create one.
NO_APP = {"config", "new-kek", "verify", "verify-bundle"}
#: The one command whose job is to create an instance (folder, keys, database).
CREATES_INSTANCE = {"init"}
#: Commands that sign with the issuer URL in a process of their own (licences,
#: logout tokens, audit checkpoints): group -> its signing subcommands (None: all).
#: They use the issuer the service is served under, or refuse.
SIGNS: dict[str, set[str] | None] = {"licenses": None, "backchannel": None,
                                     "audit": {"checkpoint"}}
_APP = "onegate.cli_app"
#: ``click.Context.meta`` member: the app this command runs with (ours or the caller's).
_RUNNING = "onegate.running_app"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--operator", envvar="ONEGATE_OPERATOR", default=None,
              help="Who runs this command, for the audit trail (default: the OS user).")
@click.pass_context
def cli(ctx: click.Context, operator: str | None) -> None:
    """onegate: one login for every hall, signed electronic licences for every department."""
    from audit.operators import META_KEY

    ctx.meta[META_KEY] = operator
    if has_app_context():
        ctx.meta[_RUNNING] = _embedding_app()
    if ctx.invoked_subcommand in NO_APP or has_app_context() or _asks_for_help():
        return  # an embedding caller (a test, a script) already chose the app
    from admin.app import create_app

    if ctx.invoked_subcommand not in CREATES_INSTANCE:
        _require_instance(ctx)
    app = create_app()
    ctx.with_resource(app.app_context())
    ctx.meta[_APP] = app  # only an app of our own: an embedding caller chose its issuer
    ctx.meta[_RUNNING] = app


def running_app() -> OnegateFlask:
    """The app the running command works with; raises click.UsageError outside one."""
    ctx = click.get_current_context()
    app = ctx.meta.get(_RUNNING)
    if app is None and has_app_context():  # a group invoked on its own, in a context
        app = _embedding_app()
    if app is None:
        raise click.UsageError("this command needs the app (run it through `onegate`)")
    return app


def _embedding_app() -> OnegateFlask:
    # The one place the CLI asks Flask which app a caller pushed a context of: the app
    # object itself, not a dependency; everything else is read from it.
    return current_app._get_current_object()  # type: ignore[return-value]


def _guard_signing(group: click.Group, names: set[str] | None) -> None:
    """Check the served issuer before ``group`` runs one of its signing subcommands."""
    inner = group.callback

    @functools.wraps(inner)
    def guarded(*args, **kwargs):
        ctx = click.get_current_context()
        app = ctx.meta.get(_APP)
        if app is not None and (names is None or ctx.invoked_subcommand in names):
            _require_served_issuer(ctx, app)
        return inner(*args, **kwargs)

    group.callback = guarded


def _asks_for_help() -> bool:
    return any(arg in ("-h", "--help") for arg in sys.argv[1:])


def _require_instance(ctx: click.Context) -> None:
    """Stop (exit 2) rather than create an empty instance where there is none, e.g. when
    run outside the checkout; fine without one when nothing would be created in it."""
    from admin.config import default_instance_path
    from admin.settings import load

    path = default_instance_path()
    if path.is_dir():
        return
    values = load(os.environ, path)
    if values["DATABASE_URL"] and values["SECRET_KEY"] and (values["KEK"] or values["KEK_FILE"]):
        return
    click.echo(f"onegate: no instance at {path} (ONEGATE_INSTANCE_PATH, default ./instance of "
               "the working directory): run in the checkout, set ONEGATE_INSTANCE_PATH, or "
               "create one with `onegate init`", err=True)
    ctx.exit(2)


def _require_served_issuer(ctx: click.Context, app) -> None:
    from credentials.served_issuer import IssuerMismatch, check

    try:
        check(app.services.sessions, app.services.issuer)
    except IssuerMismatch as exc:
        click.echo(f"onegate: refusing to sign: {exc}", err=True)
        ctx.exit(2)


def _record_issuer(app, by: str) -> None:
    """Say which issuer the instance is now served under (and, when serving, whether
    that changed: init prints the same lines on every run)."""
    from credentials.served_issuer import record

    issuer = app.services.issuer
    previous = record(app.services.sessions, issuer, by)
    click.echo(f"issuer {issuer}")
    if previous and by == "serve":
        click.echo(f"note: the issuer changed from {previous}; licences signed before name "
                   "the old one", err=True)


@cli.command("config")
def config_table() -> None:
    """Print the configuration table (Markdown) that README shows."""
    click.echo(markdown_table())


@cli.command("new-kek")
def new_kek() -> None:
    """Print a fresh key-encryption key for ONEGATE_KEK."""
    from admin.secrets_files import new_kek_text

    click.echo(new_kek_text())


@cli.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    bootstrap.upgrade(running_app())
    click.echo("database is up to date")


@cli.command("init")
@click.option("--demo", is_flag=True, help="Also load demo halls, departments and accounts.")
def init(demo: bool) -> None:
    """Migrate, create the provider's keys and optionally load demo data."""
    app = running_app()
    bootstrap.initialise(app)
    click.echo("database migrated; provider keys ready")
    _record_issuer(app, "init")
    if demo:
        from admin import demo as demo_data

        try:
            lines = demo_data.load(app)
        except OSError as exc:
            raise click.ClickException(
                f"demo data not loaded: cannot write {exc.filename or 'the logins file'}: "
                f"{exc.strerror or exc} (set ONEGATE_INSTANCE_PATH to a writable folder)"
            ) from None
        for line in lines:
            click.echo(line)


@cli.command("serve")
@click.option("--host", default=None, help="Default ONEGATE_HOST.")
@click.option("--port", type=int, default=None, help="Default ONEGATE_PORT.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--server", type=click.Choice(SERVERS), default=None,
              help="WSGI server; default ONEGATE_SERVER.")
def serve(host: str | None, port: int | None, workers: int, threads: int,
          server: str | None) -> None:
    """Serve with the chosen WSGI server (several requests per worker at once)."""
    from admin import serve as servers
    from admin.app import create_app

    settings = running_app().services.settings
    host, port = host or settings["HOST"], port or settings["PORT"]
    server = server or settings["SERVER"]
    # Workers build their own app from the environment: let them see the same address,
    # so the default issuer (http://HOST:PORT) names where we really listen.
    os.environ["ONEGATE_HOST"], os.environ["ONEGATE_PORT"] = host, str(port)
    app = create_app()  # as the workers will see it, with this host and port
    # The wallet's redirect URI follows the issuer (another host or port than at init).
    bootstrap.ensure_wallet_client(app)
    bootstrap.ensure_console_client(app)
    _record_issuer(app, "serve")
    app.services.engine.dispose()
    click.echo(f"onegate listening on http://{host}:{port} (issuer {app.services.issuer}; "
               f"{server}, {workers} workers)")
    servers.run(servers.serving_app, host, port, workers, threads, server)


@cli.group("keys")
def keys_group() -> None:
    """Signing keys: list, rotate, revoke."""


@keys_group.command("list")
@click.option("--owner", default=None, help="provider or dept:<code>; default all.")
@click.option("--json", "as_json", is_flag=True)
def keys_list(owner: str | None, as_json: bool) -> None:
    """List keys with their state and the owner's next scheduled rotation (never their
    private parts)."""
    from admin import key_admin

    rows = key_admin.key_rows(running_app().services, owner)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['kid']}  {row['owner']:<16} {row['alg']:<6} {row['state']:<8} "
                   f"activates {row['activates_at']}  next rotation "
                   f"{row['next_rotation_at'] or 'not scheduled'}")


@keys_group.command("rotate")
@click.option("--owner", default="provider", show_default=True)
@click.option("--alg", type=click.Choice(["RS256", "ES256", "EdDSA"]), required=True)
@click.option("--prepublish", default=None,
              help="Duration (e.g. 1d); default ONEGATE_KEY_PREPUBLISH.")
@click.option("--json", "as_json", is_flag=True)
def keys_rotate(owner: str, alg: str, prepublish: str | None, as_json: bool) -> None:
    """Publish a new key that starts signing after the pre-publication time."""
    from datetime import timedelta

    from admin.settings import parse_duration

    services = running_app().services
    try:
        seconds = parse_duration(prepublish) if prepublish else \
            services.settings["KEY_PREPUBLISH"]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--prepublish") from None
    _check_owner(owner)
    _check_alg(owner, alg)
    record = services.keyring.rotate(owner, alg, timedelta(seconds=seconds))
    _record("key.rotate", record.kid, {"owner": owner, "alg": alg,
                                       "activates_at": record.activates_at.isoformat()})
    if as_json:
        from admin import key_admin

        click.echo(json.dumps(key_admin.key_rows_for(services, [record])[0], indent=2))
        return
    click.echo(f"new key {record.kid} published; signs from {record.activates_at.isoformat()}")


def _check_owner(owner: str) -> None:
    """The provider, the audit trail or a registered department (dept:<code>); else a
    usage error."""
    from admin import key_admin

    try:
        key_admin.check_known_owner(running_app().services, owner)
    except key_admin.KeyAdminError as exc:
        raise click.BadParameter(str(exc), param_hint="--owner") from None


def _check_alg(owner: str, alg: str) -> None:
    """Departments sign licences with one algorithm: a key of another would be published
    and never sign, while the old key went on signing."""
    from credentials import catalogue

    if owner.startswith("dept:") and alg != catalogue.SIGNING_ALG:
        raise click.BadParameter(f"departments sign with {catalogue.SIGNING_ALG} only",
                                 param_hint="--alg")


class _KidCommand(click.Command):
    """A command whose argument is a kid: an RFC 7638 thumbprint is base64url and one in
    64 begins with "-", which a parser would otherwise read as an option. A token of
    thumbprint form is always the kid."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" not in args:
            kids = [a for a in args if a.startswith("-") and _THUMBPRINT.fullmatch(a)]
            if kids:
                args = [a for a in args if a not in kids] + ["--", *kids]
        return super().parse_args(ctx, args)


_THUMBPRINT = re.compile(r"[A-Za-z0-9_-]{43}")


@keys_group.command("revoke", cls=_KidCommand)
@click.argument("kid")
@click.option("--dry-run", is_flag=True,
              help="Only count the licences in force it signed, by type; change nothing.")
@click.option("--json", "as_json", is_flag=True)
def keys_revoke(kid: str, dry_run: bool, as_json: bool) -> None:
    """Withdraw a key: everything it signed stops verifying (see --dry-run first)."""
    from admin import key_admin

    services = running_app().services
    try:
        result = (key_admin.revocation if dry_run else key_admin.revoke)(services, kid)
    except key_admin.KeyAdminError as exc:
        raise click.ClickException(str(exc)) from None
    record, impact = result.record, result.impact
    if not dry_run:
        _record("key.revoke", kid, {"owner": record.owner, "alg": record.alg,
                                    "licences_in_force": impact.total,
                                    "by_type": impact.by_type})
    if as_json:
        click.echo(json.dumps({**result.to_json(), "revoked": not dry_run}, indent=2))
    else:
        _say_impact(kid, impact, dry_run)
    if not dry_run and not key_admin.has_signer(services, record.owner, record.alg):
        # Revoking must work in an emergency, but must not leave an outage unsaid.
        click.echo(f"warning: {record.owner} has no active {record.alg} key now; nothing "
                   f"signs with it until: onegate keys rotate --owner {record.owner} "
                   f"--alg {record.alg} --prepublish 0", err=True)


def _say_impact(kid: str, impact, dry_run: bool) -> None:
    verb = "would invalidate" if dry_run else "revoked; it invalidates"
    click.echo(f"key {kid} {verb} {impact.total} licence(s) in force"
               + "".join(f"\n  {code}: {count}" for code, count in impact.by_type.items()))
    if impact.total and not dry_run:
        click.echo(f"re-issue them with the current key: onegate licenses reissue --kid {kid}")


def _record(action: str, subject: str, data: dict) -> None:
    """Audit an operator action in a unit of work of its own: the key ring committed
    its change first, in its own transaction (an entry never claims a change that
    did not happen)."""
    from audit import operators

    work = running_app().services.unit_of_work
    with work.scope():
        operators.record(work.session(), action, subject, data)


def _credentials_services():
    """The running app's credentials services."""
    return running_app().credentials_services


class _ServicesGroup(click.Group):
    """A package's command group whose commands close over the services of the app
    the command runs in (built when first needed: the app exists only by then)."""

    def __init__(self, name: str, factory, help_text: str) -> None:
        super().__init__(name, help=help_text, callback=lambda: None)
        self.factory = factory

    def _built(self) -> click.Group:
        try:
            app = running_app()
        except click.UsageError:  # only --help gets here without an app: list, never run
            return self.factory(None)
        return self.factory(app.idp_services)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._built().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str):
        return self._built().get_command(ctx, cmd_name)


def _idp_groups() -> list[click.Group]:
    from idp.backchannel import command_group as backchannel_group
    from idp.cli import users_group
    from idp.clients_cli import clients_group
    from idp.enterprises_cli import enterprises_group
    from idp.staff_cli import halls_group, staff_group
    from idp.throttle_cli import accounts_group

    return [_ServicesGroup("users", users_group, "Accounts: citizens, enterprises and staff."),
            _ServicesGroup("clients", clients_group,
                           "Relying parties: service halls and departments' systems."),
            _ServicesGroup("backchannel", backchannel_group, "Back-Channel Logout deliveries."),
            _ServicesGroup("accounts", accounts_group,
                           "Accounts at the counter: resets, sessions, login throttling."),
            _ServicesGroup("staff", staff_group,
                           "Staff roles and their scope (department or hall)."),
            _ServicesGroup("halls", halls_group, "Service halls and village stations."),
            _ServicesGroup("enterprises", enterprises_group,
                           "Who acts for each enterprise: legal representatives, agents.")]


def _register_package_commands() -> None:
    """Packages own their command groups; the composition root attaches them."""
    from audit.cli import group as audit_cli
    from credentials.cli import groups as credential_groups
    from verify.cli import bundle_group, verify_command

    audit_group = audit_cli(lambda: running_app().audit)
    for group in (*_idp_groups(), audit_group, verify_command, bundle_group,
                  *credential_groups(_credentials_services)):
        cli.add_command(group)
    from admin import ops_cli

    ops_cli.register(cli, keys_group)
    for name, subcommands in SIGNS.items():
        _guard_signing(cli.commands[name], subcommands)


_register_package_commands()


def main() -> None:
    """Console entry point: configuration errors are one line and exit 2."""
    from sqlalchemy.exc import OperationalError

    try:
        cli.main(prog_name="onegate", standalone_mode=True)
    except ConfigError as exc:
        click.echo(f"onegate: configuration error: {exc}", err=True)
        sys.exit(2)
    except OperationalError as exc:
        reason = str(exc.orig or exc).strip().splitlines()[-1][:300]
        click.echo(f"onegate: database unreachable (ONEGATE_DATABASE_URL): {reason}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
