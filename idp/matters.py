"""The matters a legal representative may authorise an agent for on the account page
(no Flask): short codes, carried in the authorisation and in the token's
``act.cn_matters`` (RFC 8693 section 4.1 lets the actor's claims say what identifies
it; halls read these codes). Their wording for people is in
``idp.pages.agent_grant.MATTER_LABELS`` (zh and en).

Operators may still record other codes or scopes from a signed letter with
``onegate enterprises represent --matters`` (``idp.representation.check_matters``);
a page shows such a code as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from idp.errors import InvalidAccountData

#: The catalogue, in the order the form offers it.
MATTERS = (
    "licences",          # show and use the enterprise's electronic licences
    "registration",      # business registration: changes and filings
    "tax",               # tax matters
    "social-insurance",  # social insurance for the staff
    "housing-fund",      # housing provident fund for the staff
    "permits",           # applications for administrative permits
)


def check_known(codes: Iterable[str]) -> list[str]:
    """The chosen codes, deduplicated, in catalogue order.

    Raises InvalidAccountData (field ``matters``) when none is chosen or one is not
    in the catalogue."""
    chosen = {c.strip() for c in codes}
    if not chosen or not chosen <= set(MATTERS):
        raise InvalidAccountData("matters", "choose one or more matters from the list")
    return [m for m in MATTERS if m in chosen]
