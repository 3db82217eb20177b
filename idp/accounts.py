"""Account services (no Flask): create persons, enterprises and staff, authorise
persons to act for enterprises, find an account by what people type at login,
lock and unlock, and the claims released per scope.

Claims per scope (OIDC Core 1.0 section 5.4; ``sub`` always):

==========  ===============================================================
scope       claims
==========  ===============================================================
profile     name, preferred_username, locale, updated_at, account_kind
email       email, email_verified
phone       phone_number (E.164, ``+86...``), phone_number_verified
identity    cn_id_number (persons, GB 11643) or cn_uscc (enterprises,
            GB 32100): a dedicated scope the person must consent to, since
            national identifiers are personal information (PIPL art. 28)
enterprise  the person chooses whom they act for (idp.acting_for); acting
            for an enterprise, sub is the enterprise's, cn_uscc its credit
            code and act names the person (idp.tokens.party_claims)
==========  ===============================================================

Claims without a value are omitted (section 5.3.2).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from identifiers import InvalidIdentifier, validate_citizen_id, validate_uscc
from idp import passwords
from idp.claims import claims_for as claims_for  # re-exported: accounts.claims_for
from idp.errors import DuplicateAccount, InvalidAccountData, UnknownAccount
from idp.login_names import canonical_login
from idp.models.accounts import Account, Authorisation
from idp.phone_numbers import normalise_phone

_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
#: The password hash of every enterprise: no password matches it (argon2 cannot parse
#: it), since an enterprise acts only through a named person (idp.representation).
NO_PASSWORD_LOGIN = "!enterprise:no-password-login"  # noqa: S105 - a marker, not a secret


@dataclass(slots=True)
class NewAccount:
    """What an operator or a registration form supplies for a new account."""

    username: str
    password: str
    display_name: str
    phone: str | None = None
    email: str | None = None
    id_number: str | None = None
    uscc: str | None = None


def new_sub() -> str:
    """A random, URL-safe, 22-character subject identifier (128 bits) that does not
    begin with "-", so an operator can pass it to the CLI as it is."""
    while (sub := secrets.token_urlsafe(16)).startswith("-"):
        pass
    return sub


def create_person(session: Session, data: NewAccount) -> Account:
    """A natural person; the citizen ID number is required and checked (GB 11643).

    Raises InvalidAccountData or DuplicateAccount.
    """
    if not data.id_number:
        raise InvalidAccountData("id_number", "a natural person needs a citizen ID number")
    account = _new_account("person", data)
    account.id_number = _checked(validate_citizen_id, "id_number", data.id_number)
    return _insert(session, account)


def create_enterprise(session: Session, data: NewAccount) -> Account:
    """A legal person; the unified social credit code is required and checked (GB 32100).
    It gets no password (any given is ignored): it acts through named representatives.

    Raises InvalidAccountData or DuplicateAccount.
    """
    if not data.uscc:
        raise InvalidAccountData("uscc", "an enterprise needs a unified social credit code")
    account = _new_account("enterprise", data)
    account.password_hash = NO_PASSWORD_LOGIN
    account.uscc = _checked(validate_uscc, "uscc", data.uscc)
    return _insert(session, account)


def create_staff(session: Session, data: NewAccount) -> Account:
    """A staff account (its roles: ``idp.staff.grant``); raises InvalidAccountData or
    DuplicateAccount."""
    return _insert(session, _new_account("staff", data))


def _new_account(kind: str, data: NewAccount) -> Account:
    """The common fields, validated; raises InvalidAccountData."""
    username = (data.username or "").strip().lower()
    if not _USERNAME.match(username):
        raise InvalidAccountData("username", "3-64 characters: a letter, then letters, "
                                 "digits, '.', '_' or '-'")
    if kind == "enterprise":
        data.password = ""
    else:
        check_password(data.password)
    if not (data.display_name or "").strip():
        raise InvalidAccountData("name", "must not be empty")
    return Account(sub=new_sub(), kind=kind, username=username,
                   password_hash=passwords.hash_password(data.password)
                   if data.password else NO_PASSWORD_LOGIN,
                   display_name=data.display_name.strip(), phone=_phone(data.phone),
                   email=_email(data.email), locked=False, locale="zh-CN",
                   phone_verified=False, email_verified=False)


def _checked(validate, name: str, value: str) -> str:
    try:
        return validate(value)
    except InvalidIdentifier as exc:
        raise InvalidAccountData(name, getattr(exc, "message", None) or exc.reason) from None


def _phone(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return normalise_phone(value)
    except ValueError as exc:
        raise InvalidAccountData("phone", str(exc)) from None


def _email(value: str | None) -> str | None:
    if not value:
        return None
    if not _EMAIL.match(value.strip()):
        raise InvalidAccountData("email", "expected an address such as name@example.cn")
    return value.strip()


_UNIQUE_FIELDS = ("username", "id_number", "uscc", "phone")


def _insert(session: Session, account: Account) -> Account:
    """Add the account; raises DuplicateAccount naming the clashing field."""
    for name in _UNIQUE_FIELDS:
        value = getattr(account, name)
        if value and session.scalar(select(Account.id).where(getattr(Account, name) == value)):
            raise DuplicateAccount(name)
    session.add(account)
    session.flush()
    return account


def authorise(session: Session, enterprise: Account, person: Account, *,
              granted_by: str = "operator") -> Authorisation:
    """Let ``person`` act for ``enterprise`` as an agent for every matter, without end,
    unless already linked (then unchanged). ``idp.representation.represent`` sets
    terms. Raises InvalidAccountData."""
    from idp import representation

    if enterprise.kind != "enterprise" or person.kind != "person":
        raise InvalidAccountData("authorisation", "an enterprise authorises a natural person")
    existing = session.scalar(select(Authorisation).where(
        Authorisation.enterprise_account_id == enterprise.id,
        Authorisation.person_account_id == person.id))
    if existing:
        return existing
    return representation.represent(session, enterprise, person, role="agent",
                                    granted_by=granted_by)


def enterprises_of(session: Session, person: Account) -> list[Account]:
    """The enterprises ``person`` is linked to (live or not)."""
    query = select(Account).join(Authorisation, Authorisation.enterprise_account_id == Account.id)
    return list(session.scalars(query.where(Authorisation.person_account_id == person.id)))


def find_by_login(session: Session, login: str) -> Account | None:
    """The account whose username, citizen ID number or phone is ``login`` (or None).

    ``login`` is reduced by ``login_names.canonical_login``, the function the login
    throttle keys on, so both agree on which spellings are one identifier.
    """
    name = canonical_login(login)
    if name is None:
        return None
    return session.scalar(select(Account).where(getattr(Account, name.kind) == name.value))


def get_by_sub(session: Session, sub: str) -> Account | None:
    """The account with this public subject identifier, or None."""
    return session.scalar(select(Account).where(Account.sub == sub))


def get_by_reference(session: Session, reference: str) -> Account:
    """By sub, username, ID number, USCC or phone (for operators); raises UnknownAccount."""
    text = (reference or "").strip()
    query = select(Account).where(or_(Account.sub == text, Account.username == text.lower(),
                                      Account.id_number == text.upper(),
                                      Account.uscc == text.upper()))
    account = session.scalar(query) or find_by_login(session, text)
    if account is None:
        raise UnknownAccount(f"no account {text!r}")
    return account


def lock(session: Session, account: Account, reason: str) -> None:
    """Refuse further logins; live sessions stop counting (``sso.current_session``)."""
    account.locked, account.locked_reason = True, (reason or "locked by an operator")[:200]
    session.flush()


def unlock(session: Session, account: Account) -> None:
    account.locked, account.locked_reason = False, None
    session.flush()


def check_password(password: str | None) -> None:
    """The one password policy (new accounts, changes, resets); raises InvalidAccountData."""
    if len(password or "") < MIN_PASSWORD:
        raise InvalidAccountData("password", f"at least {MIN_PASSWORD} characters")


def change_password(session: Session, account: Account, password: str) -> None:
    """Store a new hash (also used to rehash); raises InvalidAccountData when too short
    or for an enterprise (which never logs in with a password)."""
    if account.kind == "enterprise":
        raise InvalidAccountData("password", "an enterprise signs in through a named "
                                 "representative, never with a password")
    check_password(password)
    account.password_hash = passwords.hash_password(password)
    session.flush()


def list_accounts(session: Session, kind: str | None = None) -> list[Account]:
    query = select(Account).order_by(Account.id)
    if kind:
        query = query.where(Account.kind == kind)
    return list(session.scalars(query))
