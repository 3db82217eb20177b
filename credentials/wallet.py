"""The holder wallet: a page shell plus static JS, and its public OAuth client.

The wallet signs holders in through our provider like any hall, as a PUBLIC client
doing the authorization-code exchange in the browser with PKCE S256 (RFC 7636).
A server-side exchange would call this very process's token endpoint and can
deadlock a single sync worker (DESIGN.md), and a public client holds no secret.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from credentials.routes import Routes

CLIENT_ID = "onegate-wallet"
#: ``enterprise``: a person who represents enterprises chooses, at sign-in, whose
#: wallet to open (the token's sub and cn_uscc then name the enterprise).
SCOPES = ("openid", "profile", "identity", "wallet", "enterprise")

routes = Routes()


def blueprint(issuer: str) -> Blueprint:
    """The wallet's pages; ``issuer`` is the provider the page signs holders in at."""
    bp = Blueprint("credentials_wallet", __name__, url_prefix="/wallet",
                   template_folder="templates", static_folder="static",
                   static_url_path="/static")
    return routes.bind(bp, issuer)


def register_client_spec(issuer: str) -> dict[str, Any]:
    """The wallet's client registration, for the bootstrap to create through idp."""
    return {
        "client_id": CLIENT_ID,
        "name": "电子证照钱包",
        "redirect_uris": [issuer + "/wallet/callback"],
        "post_logout_redirect_uris": [issuer + "/wallet"],
        "grant_types": ["authorization_code"],
        "scopes": list(SCOPES),
        "auth_method": "none",
        "trusted": True,
        "pkce": "S256",
    }


def _page(issuer: str, view: str, identifier: str = ""):
    return render_template("credentials/wallet.html", view=view, identifier=identifier,
                           issuer=issuer, client_id=CLIENT_ID,
                           scope=" ".join(SCOPES))


@routes.get("")
def home(issuer: str):
    return _page(issuer, "list")


@routes.get("/callback")
def callback(issuer: str):
    return _page(issuer, "callback")


@routes.get("/l/<identifier>")
def licence(issuer: str, identifier: str):
    return _page(issuer, "show", identifier)


@routes.get("/l/<identifier>/present")
def present(issuer: str, identifier: str):
    return _page(issuer, "present", identifier)


@routes.get("/l/<identifier>/print")
def print_page(issuer: str, identifier: str):
    return _page(issuer, "print", identifier)
