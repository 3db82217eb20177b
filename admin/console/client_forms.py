"""The console's client form: what an operator typed, turned into the registration or
the edit that ``idp.registration`` and ``idp.client_changes`` check (the same checks
as ``onegate clients add|edit``), and their one-line refusals into a field label the
page can show in the member's language."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _pl

from idp.client_changes import ClientEdit
from idp.models.clients import OAuthClient
from idp.registration import NewClient

#: The CLI option a domain message begins with -> the form field's label.
FIELD_LABELS = {
    "--name": _pl("console", "Name"),
    "--redirect-uri": _l("Redirect URIs"),
    "--post-logout-uri": _l("Post-logout redirect URIs"),
    "--backchannel-uri": _l("Back-channel logout URI"),
    "scope": _l("Scopes"),
    "invalid scope": _l("Scopes"),
    "authorization_code": _l("Redirect URIs"),
    "--hall": _pl("console", "Hall"),
}


def lines(text: str | None) -> list[str]:
    """One URI per line, blank lines dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass
class ClientForm:
    """The fields of the register and edit forms."""

    name: str = ""
    hall_code: str | None = None
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_uris: list[str] = field(default_factory=list)
    backchannel_uri: str | None = None
    scopes: list[str] = field(default_factory=lambda: ["openid", "profile"])
    public: bool = False

    @classmethod
    def from_request(cls, form) -> ClientForm:
        chosen = form.getlist("scope") + (form.get("other_scopes") or "").split()
        return cls(name=(form.get("name") or "").strip(),
                   hall_code=(form.get("hall") or "").strip().lower() or None,
                   redirect_uris=lines(form.get("redirect_uris")),
                   post_logout_uris=lines(form.get("post_logout_uris")),
                   backchannel_uri=(form.get("backchannel_uri") or "").strip() or None,
                   scopes=list(dict.fromkeys(chosen)), public=form.get("public") == "1")

    @classmethod
    def of(cls, row: OAuthClient) -> ClientForm:
        return cls(name=row.name, hall_code=row.hall_code,
                   redirect_uris=list(row.redirect_uris or []),
                   post_logout_uris=list(row.post_logout_redirect_uris or []),
                   backchannel_uri=row.backchannel_logout_uri, scopes=row.scope.split(),
                   public=row.token_endpoint_auth_method == "none")  # noqa: S105

    def registration(self) -> NewClient:
        return NewClient(name=self.name, redirect_uris=self.redirect_uris,
                         post_logout_redirect_uris=self.post_logout_uris,
                         backchannel_logout_uri=self.backchannel_uri, scopes=self.scopes,
                         auth_method="none" if self.public else "client_secret_basic",
                         hall_code=self.hall_code)

    def edit(self) -> ClientEdit:
        return ClientEdit(name=self.name, redirect_uris=self.redirect_uris,
                          post_logout_redirect_uris=self.post_logout_uris,
                          backchannel_logout_uri=self.backchannel_uri, scopes=self.scopes)


def field_error(message: str) -> tuple[str, str]:
    """(the translated label of the field a refusal names, the refusal itself)."""
    for prefix, label in FIELD_LABELS.items():
        if message.startswith(prefix):
            return str(label), message
    return str(_l("Registration")), message
