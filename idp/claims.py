"""Standard claims per scope (OIDC Core 1.0 section 5.4) plus our ``identity`` scope.
Documented in ``idp.accounts``; re-exported there as ``accounts.claims_for``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from idp.models.accounts import Account


def _profile(account: Account) -> dict:
    return {"name": account.display_name, "preferred_username": account.username,
            "locale": account.locale, "account_kind": account.kind,
            "updated_at": int(account.updated_at.timestamp()) if account.updated_at else None}


def _email(account: Account) -> dict:
    if not account.email:
        return {}
    return {"email": account.email, "email_verified": bool(account.email_verified)}


def _phone(account: Account) -> dict:
    if not account.phone:
        return {}
    return {"phone_number": account.phone, "phone_number_verified": bool(account.phone_verified)}


def _identity(account: Account) -> dict:
    if account.kind == "person":
        return {"cn_id_number": account.id_number}
    if account.kind == "enterprise":
        return {"cn_uscc": account.uscc}
    return {}


SCOPE_CLAIMS: dict[str, Callable[[Account], dict]] = {
    "profile": _profile, "email": _email, "phone": _phone, "identity": _identity}

#: Claim names each scope may release (for discovery's ``claims_supported``).
CLAIM_NAMES = {
    "profile": ["name", "preferred_username", "locale", "updated_at", "account_kind"],
    "email": ["email", "email_verified"],
    "phone": ["phone_number", "phone_number_verified"],
    "identity": ["cn_id_number", "cn_uscc"],
    # Acting for an enterprise (idp.tokens.party_claims): the party's credit code and
    # the person as actor (RFC 8693 section 4.1).
    "enterprise": ["act"],
}


def claims_for(account: Account, scopes: Iterable[str]) -> dict:
    """``sub`` plus the claims of each known scope; unknown scopes add nothing."""
    claims: dict = {"sub": account.sub}
    for scope in scopes:
        claims.update(SCOPE_CLAIMS.get(scope, lambda _a: {})(account))
    return {name: value for name, value in claims.items() if value is not None}
