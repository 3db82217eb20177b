"""Who may act for an enterprise (no Flask): a person linked as its legal
representative (法定代表人) or as an agent (经办人/代理人) the legal representative
authorised, for some matters, until some time; withdrawable.

An enterprise never logs in itself (its shared password was retired by migration
idp_0011): a person signs in and chooses to act for it (``idp.acting_for``); tokens
then carry the enterprise as ``sub`` and the person in ``act`` (RFC 8693 section 4.1).
Every decision reads the clock through ``utcnow`` here, so tests can move it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import log as audit_log
from edge.timestamps import utcnow
from idp.errors import AccountError, InvalidAccountData
from idp.models.accounts import REPRESENTATION_ROLES, Account, Authorisation

#: A matter code or a scope: RFC 6749 section 3.3's scope-token characters, short.
_MATTER = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,64}$")
MAX_MATTERS = 32
#: The ``act`` member naming the role (RFC 8693 section 4.1 lets the actor's claims
#: be any claims that identify it; ours are prefixed like cn_uscc).
ROLE_CLAIM = "cn_representation"
ROLE_NAMES = {"legal": "legal_representative", "agent": "agent"}


class NotRepresentative(AccountError):
    """The person has no live authorisation for that enterprise."""


class MayNotWithdraw(AccountError):
    """Neither the person named nor a live legal representative of the enterprise."""


@dataclass(frozen=True, slots=True)
class Party:
    """The enterprise a person acts for, and on what terms (one live authorisation)."""

    sub: str
    uscc: str
    name: str
    role: str
    matters: tuple[str, ...] | None
    authorisation_id: int

    def act(self, actor_sub: str) -> dict:
        """The RFC 8693 section 4.1 ``act`` claim: the person acting, their role and,
        for an agent limited to some matters, which."""
        claim = {"sub": actor_sub, ROLE_CLAIM: ROLE_NAMES[self.role]}
        if self.matters is not None:
            claim["cn_matters"] = list(self.matters)
        return claim


def party_of(link: Authorisation, enterprise: Account) -> Party:
    matters = tuple(link.matters) if link.matters is not None else None
    return Party(sub=enterprise.sub, uscc=enterprise.uscc or "", name=enterprise.display_name,
                 role=link.role, matters=matters, authorisation_id=link.id)


def check_matters(matters: Iterable[str] | None) -> list[str] | None:
    """Matter codes, deduplicated in order; None (every matter) stays None.

    Raises InvalidAccountData for an empty list, a malformed code or too many."""
    if matters is None:
        return None
    found = list(dict.fromkeys(m.strip() for m in matters if m.strip()))
    if not found or len(found) > MAX_MATTERS or not all(_MATTER.match(m) for m in found):
        raise InvalidAccountData("matters", f"1 to {MAX_MATTERS} matter codes or scopes, "
                                 "without spaces or quotes")
    return found


def represent(session: Session, enterprise: Account, person: Account, *, role: str,
              matters: Iterable[str] | None = None, until: datetime | None = None,
              granted_by: str) -> Authorisation:
    """Link ``person`` to ``enterprise`` in ``role`` (replacing earlier terms and
    reinstating a withdrawn link). A legal representative acts for every matter.

    Raises InvalidAccountData for wrong kinds, an unknown role, bad matters or an
    end in the past."""
    if enterprise.kind != "enterprise" or person.kind != "person":
        raise InvalidAccountData("authorisation", "an enterprise authorises a natural person")
    if role not in REPRESENTATION_ROLES:
        raise InvalidAccountData("role", f"expected one of {', '.join(REPRESENTATION_ROLES)}")
    now = utcnow()
    if until is not None and until <= now:
        raise InvalidAccountData("until", "must be in the future")
    link = _link(session, enterprise, person) or Authorisation(
        enterprise_account_id=enterprise.id, person_account_id=person.id)
    link.role, link.valid_from, link.valid_until = role, now, until
    link.matters = None if role == "legal" else check_matters(matters)
    link.granted_by, link.withdrawn_at, link.withdrawn_by = granted_by[:80], None, None
    session.add(link)
    session.flush()
    return link


def _link(session: Session, enterprise: Account, person: Account) -> Authorisation | None:
    return session.scalar(select(Authorisation).where(
        Authorisation.enterprise_account_id == enterprise.id,
        Authorisation.person_account_id == person.id))


def live_parties(session: Session, person: Account) -> list[Party]:
    """The enterprises ``person`` may act for now, by name."""
    now = utcnow()
    rows = session.execute(
        select(Authorisation, Account)
        .join(Account, Account.id == Authorisation.enterprise_account_id)
        .where(Authorisation.person_account_id == person.id,
               Authorisation.withdrawn_at.is_(None))).all()
    parties = [party_of(link, enterprise) for link, enterprise in rows
               if link.is_live(now) and not enterprise.locked]
    return sorted(parties, key=lambda p: p.name)


def choose(session: Session, person: Account, enterprise_sub: str) -> Party:
    """The live terms on which ``person`` acts for the enterprise ``enterprise_sub``.

    Raises NotRepresentative when there are none (unknown, withdrawn, expired, locked)."""
    for party in live_parties(session, person):
        if party.sub == enterprise_sub:
            return party
    raise NotRepresentative("no live authorisation to act for that enterprise")


def recheck(session: Session, authorisation_id: int, person_sub: str,
            party_sub: str) -> Party:
    """The authorisation a code or refresh token rests on, if it is still live for
    the same person and enterprise. Raises NotRepresentative otherwise."""
    row = session.execute(
        select(Authorisation, Account)
        .join(Account, Account.id == Authorisation.enterprise_account_id)
        .where(Authorisation.id == authorisation_id)).first()
    if row is None:
        raise NotRepresentative("the authorisation no longer exists")
    link, enterprise = row
    person = session.get(Account, link.person_account_id)
    if person is None or person.sub != person_sub or enterprise.sub != party_sub \
            or person.locked or enterprise.locked or not link.is_live(utcnow()):
        raise NotRepresentative("the authorisation has ended")
    return party_of(link, enterprise)


@dataclass(frozen=True, slots=True)
class Listed:
    """An authorisation as pages and the CLI show it."""

    link: Authorisation
    enterprise: Account
    person: Account

    @property
    def live(self) -> bool:
        return self.link.is_live(utcnow())


def _listed(session: Session, query) -> list[Listed]:
    people = {}
    found = []
    for link, enterprise in session.execute(query).all():
        if link.person_account_id not in people:
            people[link.person_account_id] = session.get(Account, link.person_account_id)
        found.append(Listed(link, enterprise, people[link.person_account_id]))
    return found


def _with_enterprise():
    return (select(Authorisation, Account)
            .join(Account, Account.id == Authorisation.enterprise_account_id))


def held_by(session: Session, person: Account) -> list[Listed]:
    """Every authorisation naming ``person`` (live or not), newest first."""
    return _listed(session, _with_enterprise()
                   .where(Authorisation.person_account_id == person.id)
                   .order_by(Authorisation.valid_from.desc()))


def given_by(session: Session, person: Account) -> list[Listed]:
    """The agents of the enterprises ``person`` is the live legal representative of:
    the authorisations they answer for and may end."""
    ids = [p.authorisation_id for p in live_parties(session, person) if p.role == "legal"]
    if not ids:
        return []
    enterprise_ids = select(Authorisation.enterprise_account_id).where(Authorisation.id.in_(ids))
    return _listed(session, _with_enterprise()
                   .where(Authorisation.enterprise_account_id.in_(enterprise_ids),
                          Authorisation.role == "agent")
                   .order_by(Authorisation.valid_from.desc()))


def of_enterprise(session: Session, enterprise: Account) -> list[Listed]:
    return _listed(session, _with_enterprise()
                   .where(Authorisation.enterprise_account_id == enterprise.id)
                   .order_by(Authorisation.id))


def may_withdraw(session: Session, person: Account, link: Authorisation) -> bool:
    """The person named, or a live legal representative of the same enterprise."""
    if link.person_account_id == person.id:
        return True
    return any(p.role == "legal" and p.authorisation_id != link.id
               and _enterprise_id(session, p.authorisation_id) == link.enterprise_account_id
               for p in live_parties(session, person))


def _enterprise_id(session: Session, authorisation_id: int) -> int | None:
    return session.scalar(select(Authorisation.enterprise_account_id)
                          .where(Authorisation.id == authorisation_id))


def withdraw(session: Session, denylist, link: Authorisation, *, by: str) -> int:
    """End ``link`` now and revoke every token family resting on it (their access
    tokens denied too); return how many families. Idempotent on a withdrawn link."""
    from idp.grants.families import revoke_where

    if link.withdrawn_at is None:
        link.withdrawn_at, link.withdrawn_by = utcnow(), by[:80]
        session.flush()
    return revoke_where(session, denylist, "authorisation_withdrawn", authorisation_id=link.id)


def audit(session: Session, actor: str, action: str, link: Authorisation,
          enterprise: Account, person: Account) -> None:
    """One audit entry about ``link`` (actor ``person:<sub>`` or ``operator:<name>``)."""
    audit_log.append(session, actor=actor, action=f"representation.{action}",
                     subject=enterprise.sub, data={
                         "uscc": enterprise.uscc, "person": person.sub, "role": link.role,
                         "matters": link.matters, "authorisation": link.id,
                         "until": link.valid_until.isoformat() if link.valid_until else None})
