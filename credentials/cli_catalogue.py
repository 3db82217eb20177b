"""``onegate types show|add-version|retire|allow|disallow|preview`` and ``onegate
licenses search|show|suspend|reinstate|revoke``: the console's catalogue and licence
actions on the command line, each with ``--json``, each change audited with the
operator (``--operator`` / ``ONEGATE_OPERATOR``, and the OS user). Added to the groups
credentials.cli builds; every command is one unit of work."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from audit import operators
from credentials import (
    catalogue_json,
    licence_admin,
    licence_search,
    public_reasons,
    type_lifecycle,
    type_preview,
)
from credentials.errors import CredentialsError
from credentials.models import STATES
from credentials.services import CredentialsServices

Services = Callable[[], CredentialsServices]


def fail(exc: CredentialsError) -> click.ClickException:
    """A typed error as one readable line (exit 1)."""
    reasons = "; ".join(f"{e.field}: {e.reason}" + (f" ({e.message})" if e.message else "")
                        for e in exc.errors)
    return click.ClickException(f"{exc.detail or exc.title}" + (f": {reasons}" if reasons else ""))


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _read_definition(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="FILE") from None


def _who() -> dict[str, Any]:
    return {"actor": operators.actor(), "note": {"os_user": operators.os_user()}}


def _run(s: CredentialsServices, work: Callable[[Any], Any]) -> Any:
    """``work(session)`` in one unit of work; typed errors as readable lines."""
    try:
        with s.unit_of_work.scope():
            return work(s.unit_of_work.session())
    except CredentialsError as exc:
        raise fail(exc) from None


def _type_detail(s: CredentialsServices, code: str) -> dict[str, Any]:
    return _run(s, lambda session: catalogue_json.detail(
        s.issuer, type_lifecycle.get(session, code), type_lifecycle.versions(session, code)))


def add_type_commands(types: click.Group, services: Services) -> None:
    """The catalogue lifecycle commands on ``onegate types``."""

    @types.command("show")
    @click.argument("code")
    @click.option("--json", "as_json", is_flag=True)
    def types_show(code: str, as_json: bool) -> None:
        """Show a licence type: status, issuers and every version."""
        detail = _type_detail(services(), code)
        if as_json:
            _echo_json(detail)
            return
        click.echo(f"{detail['code']}  {detail['current']['name_zh']} "
                   f"({detail['current']['name_en']})  {detail['status']}  "
                   f"version {detail['current']['version']}")
        click.echo("issuers: " + (", ".join(d["code"] for d in detail["issuing_departments"])
                                  or "-"))
        for version in detail["versions"]:
            click.echo(f"  v{version['version']}  {version['created_at']}  {version['vct']}")

    @types.command("add-version")
    @click.argument("code")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--json", "as_json", is_flag=True)
    def types_add_version(code: str, file: Path, as_json: bool) -> None:
        """Make the definition in FILE (JSON: names, validity_days, json_schema and the
        claim lists) the next version of type CODE; new licences are issued under it,
        earlier ones keep theirs."""
        s, definition = services(), _read_definition(file)
        added = _run(s, lambda session: type_lifecycle.add_version(
            session, code, definition, **_who()))
        s.catalogue_changed(code)
        result = {"code": code, "version": added.version,
                  "vct": catalogue_json.definition(s.issuer, added, code, added.version)["vct"]}
        if as_json:
            _echo_json(result)
            return
        click.echo(f"licence type {code} is now version {added.version}; vct {result['vct']}")

    @types.command("retire")
    @click.argument("code")
    @click.option("--reason", required=True, help="Why (recorded and published).")
    @click.option("--json", "as_json", is_flag=True)
    def types_retire(code: str, reason: str, as_json: bool) -> None:
        """Retire type CODE: no new issuance; its licences keep verifying."""
        s = services()
        row = _run(s, lambda session: _retired(type_lifecycle.retire(
            session, code, reason, now=s.clock(), **_who())))
        s.catalogue_changed(code)
        if as_json:
            _echo_json(row)
            return
        click.echo(f"licence type {code} retired; its licences keep verifying")

    def _retired(row: Any) -> dict[str, Any]:
        return {"code": row.code, "status": row.status,
                "retired_at": catalogue_json.iso(row.retired_at), "reason": row.retired_reason}

    def _issuers(code: str, department: str, as_json: bool, allow: bool) -> None:
        s = services()
        change = type_lifecycle.allow if allow else type_lifecycle.disallow
        changed = _run(s, lambda session: change(session, code, department, **_who()))
        s.catalogue_changed(code)
        if as_json:
            _echo_json({"code": code, "department": department, "may_issue": allow,
                        "changed": changed})
            return
        verb = "may" if allow else "may no longer"
        click.echo(f"{department} {verb} issue {code}" + ("" if changed else " (unchanged)"))

    @types.command("allow")
    @click.argument("code")
    @click.argument("department")
    @click.option("--json", "as_json", is_flag=True)
    def types_allow(code: str, department: str, as_json: bool) -> None:
        """Let DEPARTMENT issue type CODE."""
        _issuers(code, department, as_json, True)

    @types.command("disallow")
    @click.argument("code")
    @click.argument("department")
    @click.option("--json", "as_json", is_flag=True)
    def types_disallow(code: str, department: str, as_json: bool) -> None:
        """Stop DEPARTMENT issuing type CODE (the licences it issued keep verifying)."""
        _issuers(code, department, as_json, False)

    @types.command("preview")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--json", "as_json", is_flag=True)
    def types_preview(file: Path, as_json: bool) -> None:
        """Check the type definition in FILE and render a sample licence from it."""
        s = services()
        try:
            shown = type_preview.preview(_read_definition(file), s.issuer).to_json()
        except CredentialsError as exc:
            raise fail(exc) from None
        if as_json:
            _echo_json(shown)
            return
        qr = shown["offline_qr"]
        click.echo(f"vct {shown['vct']}")
        click.echo("always disclosed: " + ", ".join(
            k for k in shown["sd_jwt"]["payload"] if not k.startswith("_")))
        click.echo("disclosures: " + ", ".join(d["name"] for d in shown["sd_jwt"]["disclosures"]))
        click.echo(f"SD-JWT {shown['sd_jwt']['bytes']} bytes; offline QR {qr['characters']} "
                   f"characters, QR version {qr['qr_version']} (limit {qr['max_qr_version']}"
                   f"{'' if qr['fits'] else ', TOO LARGE'})")
        click.echo(qr["text"])


def add_licence_commands(licenses: click.Group, services: Services) -> None:
    """Search, show and change licences on ``onegate licenses``."""

    @licenses.command("search")
    @click.option("--id", "identifier", help="A licence identifier.")
    @click.option("--holder", help="The holder's ID number or credit code.")
    @click.option("--type", "type_code", help="A licence type code.")
    @click.option("--department", help="An issuing department's code.")
    @click.option("--status", "state", type=click.Choice(STATES))
    @click.option("--limit", type=int, default=licence_search.DEFAULT_LIMIT, show_default=True)
    @click.option("--offset", type=int, default=0)
    @click.option("--json", "as_json", is_flag=True)
    def licenses_search(identifier, holder, type_code, department, state, limit, offset,
                        as_json) -> None:
        """Find licences (newest first)."""
        s = services()
        query = licence_search.LicenceQuery(identifier, holder, type_code, department, state,
                                            limit, offset)

        def work(session: Any) -> dict[str, Any]:
            page = licence_search.search(session, query, scope=None)
            return {"total": page.total, "limit": page.limit, "offset": page.offset,
                    "items": [licence_search.summary(lic) for lic in page.items]}

        found = _run(s, work)
        if as_json:
            _echo_json(found)
            return
        for item in found["items"]:
            click.echo(f"{item['identifier']}  {item['state']:<9}  {item['department']}  "
                       f"{item['holder_name']}")
        click.echo(f"{len(found['items'])} of {found['total']}")

    @licenses.command("show")
    @click.argument("identifier")
    @click.option("--json", "as_json", is_flag=True)
    def licenses_show(identifier: str, as_json: bool) -> None:
        """A licence with its history and uses."""
        s = services()

        def work(session: Any) -> dict[str, Any]:
            licence = licence_search.get_in_scope(session, identifier, None)
            uses = s.licence_uses(session, licence.identifier, licence_admin.USES_SHOWN)
            return licence_admin.details(session, licence, uses)

        shown = _run(s, work)
        if as_json:
            _echo_json(shown)
            return
        click.echo(f"{shown['identifier']}  {shown['state']}  type {shown['type']} "
                   f"v{shown['type_version']}  {shown['holder_name']}")
        for event in shown["history"]:
            click.echo(f"  {event['at']}  {event['action']:<9} {event['actor']}"
                       + (f"  ({event['reason']})" if event["reason"] else ""))
        click.echo(f"{len(shown['uses'])} uses")

    for action in licence_admin.ACTIONS:
        _add_action(licenses, services, action)


def _add_action(licenses: click.Group, services: Services, action: str) -> None:
    @licenses.command(action, help=f"{action.capitalize()} a licence, with a reason.")
    @click.argument("identifier")
    @click.option("--reason", required=True, help="Why (recorded with the operator).")
    @click.option("--public-reason", type=click.Choice(public_reasons.CODES),
                  help="The reason verifiers and the holder see (not for reinstate).")
    @click.option("--public-note", help="A short public note (with --public-reason).")
    @click.option("--json", "as_json", is_flag=True)
    def command(identifier: str, reason: str, public_reason: str | None,
                public_note: str | None, as_json: bool) -> None:
        s = services()
        who = _who()
        licence = _run(s, lambda session: licence_search.summary(licence_admin.act(
            session, identifier, action, reason, scope=None, actor=who["actor"],
            now=s.clock(), public_reason=public_reason, public_note=public_note)))
        if as_json:
            _echo_json(licence)
            return
        click.echo(f"{identifier} {licence['state']}")
