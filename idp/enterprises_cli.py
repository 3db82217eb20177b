"""``onegate enterprises represent|list|withdraw``: operators name who acts for an
enterprise (its legal representative, or an agent the legal representative
authorised, e.g. on a signed authorisation letter) and end such links. Each command
is one unit of work, audited as ``operator.representation.*``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

import click

from audit import operators
from idp import accounts, representation
from idp.errors import AccountError, InvalidAccountData
from idp.i18n import CHINA
from idp.models.accounts import REPRESENTATION_ROLES, Account
from idp.representation import Listed

if TYPE_CHECKING:
    from idp.services import IdpServices


def listed_row(item: Listed) -> dict:
    """The operator's view of one authorisation."""
    link = item.link
    return {"id": link.id, "enterprise": item.enterprise.sub, "uscc": item.enterprise.uscc,
            "enterprise_name": item.enterprise.display_name, "person": item.person.sub,
            "person_username": item.person.username, "role": link.role,
            "matters": link.matters, "valid_from": link.valid_from.isoformat(),
            "valid_until": link.valid_until.isoformat() if link.valid_until else None,
            "granted_by": link.granted_by, "live": item.live,
            "withdrawn_at": link.withdrawn_at.isoformat() if link.withdrawn_at else None,
            "withdrawn_by": link.withdrawn_by}


def _echo(data, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else text)


def parse_until(value: str | None) -> datetime | None:
    """``YYYY-MM-DD`` (valid to the end of that day, China time) or an ISO 8601 time
    with an offset. Raises click.BadParameter."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a date only
            return datetime.combine(day, time(23, 59, 59), CHINA).astimezone(UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD or an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise click.BadParameter("give the time with its offset, e.g. +08:00")
    return parsed.astimezone(UTC)


def _enterprise(session, reference: str) -> Account:
    account = accounts.get_by_reference(session, reference)
    if account.kind != "enterprise":
        raise InvalidAccountData("enterprise", f"{reference!r} is not an enterprise")
    return account


def _granted_by(session, enterprise: Account, role: str, reference: str | None) -> str:
    """Who authorised an agent: a live legal representative of the enterprise, named
    by the operator from the authorisation letter; else the operator alone."""
    if reference is None or role == "legal":
        return operators.actor()
    person = accounts.get_by_reference(session, reference)
    legal = [p for p in representation.live_parties(session, person)
             if p.sub == enterprise.sub and p.role == "legal"]
    if not legal:
        raise InvalidAccountData("granted-by", "not a live legal representative of "
                                 "this enterprise")
    return person.sub


def enterprises_group(services: IdpServices) -> click.Group:
    """The ``enterprises`` command group, its commands working on ``services``."""

    @click.group("enterprises")
    def enterprises() -> None:
        """Who acts for each enterprise (legal representatives and agents)."""

    @enterprises.command("represent")
    @click.argument("uscc")
    @click.option("--person", required=True, help="The person's sub, username, ID number "
                  "or phone.")
    @click.option("--role", type=click.Choice(REPRESENTATION_ROLES), required=True)
    @click.option("--matters", default=None, help="Agents: comma-separated matter codes or "
                  "scopes (default: every matter).")
    @click.option("--until", default=None, help="YYYY-MM-DD or an ISO 8601 time.")
    @click.option("--granted-by", default=None, help="Agents: the legal representative "
                  "who signed the authorisation.")
    @click.option("--json", "as_json", is_flag=True)
    def represent(uscc, person, role, matters, until, granted_by, as_json) -> None:
        """Let PERSON act for the enterprise USCC as legal representative or agent."""
        ends = parse_until(until)
        codes = matters.split(",") if matters is not None else None
        try:
            with services.work() as session:
                enterprise = _enterprise(session, uscc)
                member = accounts.get_by_reference(session, person)
                link = representation.represent(
                    session, enterprise, member, role=role, matters=codes, until=ends,
                    granted_by=_granted_by(session, enterprise, role, granted_by))
                row = listed_row(Listed(link, enterprise, member))
                operators.record(session, "representation.grant", enterprise.sub, row)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        _echo(row, as_json, f"{row['person_username']} acts for {row['uscc']} as {role}"
              f" (authorisation {row['id']})")

    @enterprises.command("list")
    @click.argument("uscc", required=False)
    @click.option("--json", "as_json", is_flag=True)
    def list_enterprises(uscc, as_json) -> None:
        """Enterprises (or one) with their representatives; flags those without a live
        legal representative."""
        try:
            with services.work() as session:
                found = [_enterprise(session, uscc)] if uscc else \
                    accounts.list_accounts(session, "enterprise")
                rows = [_enterprise_row(session, e) for e in found]
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        _echo(rows, as_json, "\n".join(_enterprise_line(r) for r in rows))

    @enterprises.command("withdraw")
    @click.argument("authorisation_id", type=int)
    @click.option("--json", "as_json", is_flag=True)
    def withdraw(authorisation_id, as_json) -> None:
        """End the authorisation AUTHORISATION_ID (from `list`) and its tokens."""
        with services.work() as session:
            item = _find(session, authorisation_id)
            revoked = representation.withdraw(session, services.denylist, item.link,
                                              by=operators.actor())
            row = {**listed_row(item), "token_families_revoked": revoked}
            operators.record(session, "representation.withdraw", item.enterprise.sub, row)
        _echo(row, as_json, f"withdrew authorisation {authorisation_id} "
              f"({revoked} token families revoked)")

    return enterprises


def _find(session, authorisation_id: int) -> Listed:
    """Raises click.ClickException for an unknown id."""
    from idp.models.accounts import Authorisation

    link = session.get(Authorisation, authorisation_id)
    if link is None:
        raise click.ClickException(f"no authorisation {authorisation_id}")
    return Listed(link, session.get(Account, link.enterprise_account_id),
                  session.get(Account, link.person_account_id))


def _enterprise_row(session, enterprise: Account) -> dict:
    items = [listed_row(i) for i in representation.of_enterprise(session, enterprise)]
    return {"sub": enterprise.sub, "uscc": enterprise.uscc, "name": enterprise.display_name,
            "has_legal_representative": any(i["live"] and i["role"] == "legal" for i in items),
            "authorisations": items}


def _enterprise_line(row: dict) -> str:
    people = ", ".join(f"{i['person_username']}:{i['role']}#{i['id']}"
                       + ("" if i["live"] else "(ended)") for i in row["authorisations"])
    warning = "" if row["has_legal_representative"] else "  [no legal representative]"
    return f"{row['uscc']}  {row['name']}  {people or '-'}{warning}"
