"""``onegate departments|types|licenses`` commands. admin/cli.py adds the groups
(``departments``, ``types``, ``licenses``) built by ``groups(services)``, and pushes an
app context first. Each command is one unit of work (``unit_of_work.scope()``); the
work that commits on its own says so where it does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from audit import operators
from credentials import bulk_import, catalogue, cli_catalogue, key_compromise, served_issuer
from credentials.errors import CredentialsError, IssuerUnavailable
from credentials.services import CredentialsServices
from credentials.signing_pool import SigningPoolBroken

_fail = cli_catalogue.fail


class UsageProblem(click.ClickException):
    """One line ("Error: ..."), exit 2 like any usage error, without the usage text."""

    exit_code = 2


def _record(s: CredentialsServices, action: str, subject: str, data: dict) -> None:
    """Audit an operator action whose own work committed in its own transactions."""
    with s.unit_of_work.scope():
        operators.record(s.unit_of_work.session(), action, subject, data)


def _issuer(s: CredentialsServices) -> str:
    """The issuer the service is served under (what licences will name), else ours."""
    with s.unit_of_work.scope():
        return served_issuer.recorded(s.unit_of_work.session()) or s.issuer


def groups(services: Callable[[], CredentialsServices]) -> tuple[click.Group, ...]:
    """The command groups, each command closed over ``services`` (called once the app
    exists: the command line is parsed before it is built)."""


    @click.group("departments")
    def departments() -> None:
        """Issuing departments and the OAuth clients that act for them."""


    @departments.command("add")
    @click.argument("code")
    @click.option("--name", required=True, help="Full name, e.g. 广东省市场监督管理局.")
    @click.option("--uscc", required=True, help="The department's unified social credit code.")
    @click.option("--json", "as_json", is_flag=True)
    def departments_add(code: str, name: str, uscc: str, as_json: bool) -> None:
        """Register a department and create its ES256 signing key."""
        s = services()
        try:
            # Its own transaction, committed before the key ring writes the key
            # through its own sessions (on SQLite a nested writer would wait on ours).
            row = catalogue.create_department(s.sessions, s.keyring,
                                              code=code, name=name, uscc=uscc)
        except CredentialsError as exc:
            raise _fail(exc) from None
        _record(s, "department.add", code, {"name": name, "uscc": uscc})
        issuer = f"{_issuer(s)}/issuers/{row.code}"
        if as_json:
            click.echo(json.dumps({"code": row.code, "name": row.name, "uscc": row.uscc,
                                   "issuer": issuer}, ensure_ascii=False, indent=2))
            return
        click.echo(f"department {row.code} registered; issuer {issuer}")


    @departments.command("list")
    @click.option("--json", "as_json", is_flag=True)
    def departments_list(as_json: bool) -> None:
        """List departments."""
        s = services()
        with s.unit_of_work.scope():
            rows = [{"code": r.code, "name": r.name, "uscc": r.uscc}
                    for r in catalogue.list_departments(s.unit_of_work.session())]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            click.echo(f"{row['code']:<16} {row['uscc']}  {row['name']}")


    @departments.command("add-client")
    @click.argument("code")
    @click.argument("client_id")
    def departments_add_client(code: str, client_id: str) -> None:
        """Let an OAuth client (a department system) act for department CODE."""
        s = services()
        try:
            with s.unit_of_work.scope():
                session = s.unit_of_work.session()
                if not s.client_exists(session, client_id):
                    raise UsageProblem(f"no OAuth client {client_id!r} (see onegate clients list)")
                catalogue.add_client(session, code, client_id)
                operators.record(session, "department.add_client", code, {"client_id": client_id})
        except CredentialsError as exc:
            raise _fail(exc) from None
        click.echo(f"client {client_id} acts for {code}; grant it licenses:issue:<type> scopes")


    @click.group("types")
    def types() -> None:
        """Licence types of the catalogue."""


    @types.command("add")
    @click.argument("code")
    @click.option("--name-zh", required=True)
    @click.option("--name-en", required=True)
    @click.option("--department", "departments_", multiple=True, required=True,
                  help="A department code allowed to issue it (repeat).")
    @click.option("--holder-kind", type=click.Choice(catalogue.HOLDER_KINDS), required=True)
    @click.option("--validity-days", type=int, required=True)
    @click.option("--schema", "schema_file", type=click.Path(exists=True, dir_okay=False),
                  required=True, help="JSON Schema (Draft 2020-12) of the type's claims.")
    @click.option("--always", multiple=True, help="An always-disclosed claim (repeat).")
    @click.option("--disclosable", multiple=True, help="A selectively disclosable claim (repeat).")
    @click.option("--offline", multiple=True, help="A claim in the offline QR (repeat).")
    def types_add(code, name_zh, name_en, departments_, holder_kind, validity_days, schema_file,
                  always, disclosable, offline) -> None:
        """Register a licence type (unlisted claims are selectively disclosable)."""
        try:
            schema = json.loads(Path(schema_file).read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--schema") from None
        spec = catalogue.TypeSpec(code=code, name_zh=name_zh, name_en=name_en,
                                  departments=list(departments_), holder_kind=holder_kind,
                                  validity_days=validity_days, json_schema=schema,
                                  always_disclosed=list(always), disclosable=list(disclosable),
                                  offline_claims=list(offline))
        s = services()
        try:
            with s.unit_of_work.scope():
                session = s.unit_of_work.session()
                catalogue.add_type(session, spec, actor=operators.actor())
                operators.record(session, "type.add", code, {
                    "departments": list(departments_), "holder_kind": holder_kind,
                    "validity_days": validity_days})
        except CredentialsError as exc:
            raise _fail(exc) from None
        click.echo(f"licence type {code} registered; vct {_issuer(s)}/types/{code}")


    @types.command("list")
    @click.option("--json", "as_json", is_flag=True)
    def types_list(as_json: bool) -> None:
        """List licence types."""
        s = services()
        with s.unit_of_work.scope():
            rows = [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en,
                     "departments": r.departments, "holder_kind": r.holder_kind,
                     "status": r.status, "version": r.version}
                    for r in catalogue.list_types(s.unit_of_work.session())]
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            click.echo(f"{row['code']}  {row['name_zh']} ({row['name_en']})  "
                       f"{row['holder_kind']}  {','.join(row['departments'])}  "
                       f"v{row['version']} {row['status']}")


    @click.group("licenses")
    def licenses() -> None:
        """Licences: bulk import, search, history and uses, suspend/reinstate/revoke,
        re-issue after a key compromise."""


    @licenses.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--department", required=True, help="The issuing department's code.")
    @click.option("--batch", type=click.IntRange(1, 5000), default=bulk_import.BATCH,
                  show_default=True)
    @click.option("--workers", type=click.IntRange(0, 64), default=None,
                  help="Processes that sign (default: one per CPU; 0: sign in this one).")
    def licenses_import(file: Path, department: str, batch: int, workers: int | None) -> None:
        """Import FILE.jsonl (one licence per line); safe to re-run after an interruption."""
        s = services()
        total = bulk_import.count_lines(file)
        try:
            with click.progressbar(length=total, label="importing", show_pos=True) as bar:
                # Commits per chunk on its own sessions: an interrupted import keeps
                # what it stored, and a re-run skips it.
                summary = bulk_import.run(s.deps, file, department, batch=batch,
                                          progress=bar.update, workers=workers)
        except CredentialsError as exc:
            raise _fail(exc) from None
        except SigningPoolBroken as exc:
            raise click.ClickException(
                f"{exc}; the batches before it are stored: run the import again to "
                "continue") from None
        _record(s, "licenses.import", department, {
            "file": file.name, "lines": summary.total, "imported": summary.imported,
            "skipped": summary.skipped, "rejected": len(summary.rejected)})
        click.echo(f"{summary.imported} imported, {summary.skipped} already imported, "
                   f"{len(summary.rejected)} rejected (of {summary.total} lines)")
        for number, reasons in summary.rejected:
            click.echo(f"  line {number}: {'; '.join(reasons)}")
        if summary.rejected:
            # Scripts must notice: fix the listed lines and run the import again.
            raise SystemExit(1)

    @licenses.command("reissue")
    @click.option("--kid", required=True, help="The (revoked) key whose licences to re-issue.")
    @click.option("--batch", type=click.IntRange(1, 5000), default=key_compromise.BATCH,
                  show_default=True, help="Licences per transaction.")
    @click.option("--json", "as_json", is_flag=True)
    def licenses_reissue(kid: str, batch: int, as_json: bool) -> None:
        """Re-sign every licence in force that KID signed with its department's current
        key, as the next version; safe to re-run (it continues where it stopped)."""
        s = services()
        try:
            done = key_compromise.reissue_all(s.deps, kid, batch=batch,
                                              actor=operators.actor())
        except IssuerUnavailable as exc:
            raise click.ClickException(
                f"{exc.detail}: publish one first (onegate keys rotate --owner dept:<code> "
                "--alg ES256 --prepublish 0) and run this again") from None
        except CredentialsError as exc:
            raise _fail(exc) from None
        by_type: dict[str, int] = {}
        for item in done:
            by_type[item.type_code] = by_type.get(item.type_code, 0) + 1
        _record(s, "licenses.reissue", kid, {"reissued": len(done), "by_type": by_type})
        if as_json:
            click.echo(json.dumps({"kid": kid, "reissued": len(done), "by_type": by_type,
                                   "licences": [{"previous": d.previous,
                                                 "identifier": d.identifier}
                                                for d in done]}, indent=2))
            return
        click.echo(f"{len(done)} licence(s) signed by {kid} re-issued with the current key"
                   + "".join(f"\n  {code}: {count}" for code, count in by_type.items()))

    cli_catalogue.add_type_commands(types, services)
    cli_catalogue.add_licence_commands(licenses, services)
    return departments, types, licenses
