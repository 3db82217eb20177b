"""Consent per person, client and scope; the consent page's scope descriptions; the
person's own list of consents at /account/consents, where they can withdraw them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from audit import log as audit_log
from idp import clients, sso
from idp.grants.families import revoke_where
from idp.models.clients import OAuthClient
from idp.models.consents import Consent
from idp.scope_descriptions import SCOPES, describe, describe_scope

if TYPE_CHECKING:
    from idp.services import IdpServices

__all__ = ["SCOPES", "describe", "granted", "has_consent", "needs_consent", "record"]

#: Released only with the person's own stored consent, even to trusted halls.
ALWAYS_ASK = {"identity"}


def granted(session: Session, sub: str, client_id: str) -> set[str]:
    return set(session.scalars(select(Consent.scope).where(Consent.sub == sub,
                                                           Consent.client_id == client_id)))


def has_consent(session: Session, sub: str, client_id: str, scope: str) -> bool:
    return scope in granted(session, sub, client_id)


def needs_consent(session: Session, client, sub: str, scopes: list[str],
                  prompts: set[str], first_party: frozenset[str] = frozenset()) -> bool:
    """Whether to show the consent page before issuing a code: never for a client of
    onegate itself in ``first_party`` (it shows the person their own data), unless
    asked with prompt=consent."""
    if "consent" in prompts:
        # OIDC Core 3.1.2.1: prompt=consent SHOULD prompt for consent.
        return True
    if client.get_client_id() in first_party:
        return False
    wanted = set(scopes)
    if client.row.trusted:
        wanted &= ALWAYS_ASK
    return not wanted <= granted(session, sub, client.get_client_id())


def record(session: Session, sub: str, client_id: str, scopes: list[str]) -> None:
    """Store the person's new grants, and audit them in the same transaction."""
    have = granted(session, sub, client_id)
    new = [scope for scope in dict.fromkeys(scopes) if scope not in have]
    for scope in new:
        session.add(Consent(sub=sub, client_id=client_id, scope=scope))
    if new:
        _audit(session, "consent.grant", sub, client_id, new)


def _audit(session: Session, action: str, sub: str, client_id: str, scopes: list[str]) -> None:
    audit_log.append(session, actor=f"person:{sub}", action=action, subject=sub,
                     data={"client_id": client_id, "scopes": sorted(scopes)})


def register(pages: Blueprint, services: IdpServices) -> None:
    """Add /account/consents and its withdraw form (a confirmation first, then a message
    after) to the protocol's page blueprint."""

    @pages.get("/account/consents")
    def consents():
        live = services.sso.current_session()
        if live is None:
            return redirect(sso.login_url(url_for("idp_oauth.consents")))
        return render_template("idp/consents.html",
                               clients=_consents_of(services, live.sub))

    @pages.post("/account/consents/withdraw")
    def withdraw():
        live = services.sso.current_session()
        if live is None:
            abort(403)
        client_id = request.form.get("client_id", "")
        session = services.session()
        client = clients.find(session, services.client_secrets, client_id,
                              include_disabled=True)
        if client is None:
            abort(400)
        if request.form.get("confirmed") != "yes":
            entry = next((c for c in _consents_of(services, live.sub)
                          if c["client_id"] == client_id), None)
            if entry is None:  # nothing to withdraw (already withdrawn in another tab)
                return redirect(url_for("idp_oauth.consents"), 303)
            return render_template("idp/consent_withdraw.html", client=entry)
        _withdraw(services, session, live.sub, client_id)
        flash(_("You withdrew the consent you gave %(client)s.", client=client.row.name),
              "done")
        return redirect(url_for("idp_oauth.consents"), 303)


def _consents_of(services: IdpServices, sub: str) -> list[dict]:
    """The person's consents grouped by client: its name (never shown by id), when
    first granted, and each scope described."""
    rows = services.session().execute(
        select(Consent, OAuthClient.name)
        .join(OAuthClient, OAuthClient.client_id == Consent.client_id)
        .where(Consent.sub == sub).order_by(OAuthClient.name, Consent.scope)).all()
    by_client: dict[str, dict] = {}
    for consent, name in rows:
        entry = by_client.setdefault(consent.client_id, {
            "client_id": consent.client_id, "name": name, "since": consent.granted_at,
            "scopes": []})
        entry["since"] = min(entry["since"], consent.granted_at)
        entry["scopes"].append((consent.scope,
                                describe_scope(consent.scope, services.licence_type_names)))
    return list(by_client.values())


def _withdraw(services: IdpServices, session: Session, sub: str, client_id: str) -> None:
    withdrawn = granted(session, sub, client_id)
    session.execute(delete(Consent).where(Consent.sub == sub, Consent.client_id == client_id))
    if withdrawn:
        _audit(session, "consent.withdraw", sub, client_id, list(withdrawn))
    # Withdrawing consent ends what the hall could still do without the person.
    revoke_where(session, services.denylist, "consent_withdrawn", sub=sub,
                 client_id=client_id)
