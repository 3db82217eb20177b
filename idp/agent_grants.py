"""A legal representative authorises an agent from the account page (no Flask).

An ordered list of small checks, each raising ``GrantRefused`` with a ``reason`` the
page words:

0. The page asks for a recent login first (``recent_enough``).
1. ``legal_enterprise``: the person is a live legal representative of the enterprise
   (an agent cannot pass on what they were given: no sub-delegation). ``not_legal``.
2. ``prepare``: what the form says, checked without touching any account -- the
   citizen ID number's GB 11643 check character (``id_number``), matters from the
   catalogue (``matters``), a last day from today to ``MAX_DAYS`` ahead, China time
   (``until``). A typing slip is named precisely; it reveals nothing about accounts.
3. The page then spends the grantor's lookup budget (``LOOKUPS_PER_HOUR``), so a legal
   representative cannot use the form as an oracle of who has an account.
4. ``find_agent``: a person whose ID number AND name both match (``no_such_person``,
   one answer for an unknown number and a wrong name: the form confirms only what
   the grantor already typed correctly).
5. Not oneself (``self``), not someone who already acts for the enterprise (``already``:
   a live agent, to change terms end it first, or a legal representative).

``grant`` then records the link (granted by the grantor's ``sub``; an ended link to
the same person is reinstated with the new terms) and one audit entry
``representation.grant``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from identifiers.citizen_id import validate_citizen_id
from identifiers.errors import InvalidIdentifier
from idp import matters as matter_catalogue
from idp import representation
from idp.errors import AccountError, InvalidAccountData
from idp.models.accounts import Account, Authorisation
from idp.upsert import insert_ignore

#: The last day may be at most this many days after today (China time): a year.
MAX_DAYS = 365
#: Granting is sensitive: it needs a login this recent, with the second factor when the
#: person has one (``recent_enough``).
RECENT_LOGIN = timedelta(minutes=15)
#: Lookups of an agent (ID number and name) one grantor may make per hour.
LOOKUPS_PER_HOUR = 10
CHINA = timezone(timedelta(hours=8))
_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·", "∙": "·"})


class GrantRefused(AccountError):
    """The authorisation was not given; ``reason`` names the check that refused."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"{reason}: {message}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AgentRequest:
    """What the form says (untrusted text)."""

    enterprise_sub: str
    id_number: str
    name: str
    matters: tuple[str, ...]
    last_day: str  # YYYY-MM-DD, China time


@dataclass(frozen=True, slots=True)
class Checked:
    """A request whose form checks passed: who for, whom, what and until when."""

    enterprise: Account
    id_number: str
    name: str
    matters: list[str]
    until: datetime


def recent_enough(acr: str, authenticated_at: datetime | None, has_totp: bool,
                  now: datetime) -> bool:
    """Whether a login (its ``acr`` and time) may authorise an agent: within RECENT_LOGIN,
    and at loa-2 when the person has a second factor (a stolen password alone, or a
    browser left signed in, is not enough)."""
    if has_totp and acr != "loa-2":
        return False
    return authenticated_at is not None and now - authenticated_at <= RECENT_LOGIN


def china_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def legal_enterprise(session: Session, grantor: Account, enterprise_sub: str) -> Account:
    """The enterprise ``grantor`` is a live legal representative of.

    Raises GrantRefused("not_legal") otherwise (an agent, a stranger, an ended link)."""
    for party in representation.live_parties(session, grantor):
        if party.sub == enterprise_sub and party.role == "legal":
            return session.scalar(select(Account).where(Account.sub == party.sub))
    raise GrantRefused("not_legal", "not a live legal representative of that enterprise")


def last_moment(last_day: str, now: datetime) -> datetime:
    """The end (23:59:59 China time, as UTC) of ``last_day``, which must lie from today
    to MAX_DAYS ahead. Raises GrantRefused("until")."""
    try:
        day = date.fromisoformat(last_day.strip())
    except ValueError:
        raise GrantRefused("until", "expected a date YYYY-MM-DD") from None
    today = china_today(now)
    if not today <= day <= today + timedelta(days=MAX_DAYS):
        raise GrantRefused("until", f"from today to {MAX_DAYS} days ahead")
    return datetime.combine(day, time(23, 59, 59), CHINA).astimezone(UTC)


def check_id_number(text: str, now: datetime) -> str:
    """The normalised ID number. Raises GrantRefused("id_number") for a malformed one
    (length, characters, birth date, GB 11643 check character)."""
    try:
        return validate_citizen_id(text.strip(), today=china_today(now))
    except (InvalidIdentifier, TypeError) as exc:
        raise GrantRefused("id_number", str(exc)) from None


def check_matters(codes: tuple[str, ...]) -> list[str]:
    try:
        return matter_catalogue.check_known(codes)
    except InvalidAccountData as exc:
        raise GrantRefused("matters", exc.message) from None


def prepare(session: Session, grantor: Account, req: AgentRequest, now: datetime) -> Checked:
    """Checks 1 and 2 (see the module). Raises GrantRefused."""
    enterprise = legal_enterprise(session, grantor, req.enterprise_sub)
    name = comparable_name(req.name)
    if not name:
        raise GrantRefused("name", "the agent's name is required")
    return Checked(enterprise, check_id_number(req.id_number, now), name,
                   check_matters(req.matters), last_moment(req.last_day, now))


def comparable_name(text: str) -> str:
    """A name as people type it, compared: NFKC, no spaces, one kind of middle dot
    (买买提·艾力 is typed with several)."""
    folded = unicodedata.normalize("NFKC", text).translate(_DOTS)
    return "".join(folded.split())[:100]


def find_agent(session: Session, id_number: str, name: str) -> Account:
    """The person with that ID number and that name. Raises GrantRefused
    ("no_such_person") for an unknown number and a wrong name alike."""
    person = session.scalar(select(Account).where(Account.id_number == id_number,
                                                  Account.kind == "person"))
    if person is None or comparable_name(person.display_name) != name:
        raise GrantRefused("no_such_person", "no person with that ID number and name")
    return person


def check_not_linked(session: Session, grantor: Account, enterprise: Account, agent: Account,
                     now: datetime) -> None:
    """Raises GrantRefused("self") for the grantor, ("already") for a person who acts
    for the enterprise now (to change an agent's terms, end them first)."""
    if agent.id == grantor.id:
        raise GrantRefused("self", "a legal representative does not authorise themselves")
    link = session.scalar(select(Authorisation).where(
        Authorisation.enterprise_account_id == enterprise.id,
        Authorisation.person_account_id == agent.id))
    if link is not None and link.is_live(now):
        raise GrantRefused("already", "that person already acts for the enterprise")


def grant(session: Session, grantor: Account, checked: Checked,
          now: datetime) -> representation.Listed:
    """Checks 4 and 5, then the authorisation and its audit entry. Raises GrantRefused."""
    agent = find_agent(session, checked.id_number, checked.name)
    check_not_linked(session, grantor, checked.enterprise, agent, now)
    link = _record(session, grantor, checked, agent, now)
    representation.audit(session, f"person:{grantor.sub}", "grant", link,
                         checked.enterprise, agent)
    return representation.Listed(link, checked.enterprise, agent)


def _record(session: Session, grantor: Account, checked: Checked, agent: Account,
            now: datetime) -> Authorisation:
    """The new link, or an ended one reinstated with these terms. A twin request (a
    double tap on the button) finds the link its twin made and is refused as
    ``already``: the row is claimed by INSERT ... ON CONFLICT DO NOTHING and then read
    FOR UPDATE, never by catching an IntegrityError (see idp.upsert)."""
    terms = {"role": "agent", "matters": checked.matters, "valid_from": now,
             "valid_until": checked.until, "granted_by": grantor.sub[:80],
             "withdrawn_at": None, "withdrawn_by": None}
    inserted = insert_ignore(session, Authorisation, {
        "enterprise_account_id": checked.enterprise.id, "person_account_id": agent.id,
        "created_at": now, **terms})
    link = session.scalar(select(Authorisation).where(
        Authorisation.enterprise_account_id == checked.enterprise.id,
        Authorisation.person_account_id == agent.id)
        .with_for_update().execution_options(populate_existing=True))
    if not inserted:
        if link.withdrawn_at is None and (link.valid_until is None or link.valid_until > now):
            raise GrantRefused("already", "that person already acts for the enterprise")
        for name, value in terms.items():
            setattr(link, name, value)
        session.flush()
    return link


def mask_name(name: str) -> str:
    """A name as lists show it: the first and last characters (王*五; 王* for two)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str | None) -> str:
    """An ID number as lists show it: the first 4 and last 4 characters (4401**********123X)."""
    if not number or len(number) < 9:
        return "*" * len(number or "")
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
