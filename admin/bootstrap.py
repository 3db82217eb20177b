"""First-run work: migrations and the provider's signing keys."""

from __future__ import annotations

from admin import audit_trail, db
from admin.edge import OnegateFlask

#: The provider signs ID tokens RS256 by default (OIDC Core 15.1) and offers
#: ES256 and EdDSA per client; access tokens are ES256.
PROVIDER_ALGORITHMS = ("RS256", "ES256", "EdDSA")
PROVIDER = "provider"


def ensure_provider_keys(app: OnegateFlask) -> list[str]:
    """Create an active provider key per algorithm where none exists; return kids."""
    ring = app.services.keyring
    return [ring.ensure(PROVIDER, alg).kid for alg in PROVIDER_ALGORITHMS]


def ensure_wallet_client(app: OnegateFlask) -> str:
    """The holder wallet is a public relying party of our own provider (PKCE in the
    browser, like Keycloak's account console); register it once."""
    from sqlalchemy import select

    from credentials.wallet import register_client_spec
    from idp.clients import ClientSecrets
    from idp.clients_cli import NewClient, create
    from idp.models.clients import OAuthClient

    spec = register_client_spec(app.services.issuer)
    spec.pop("pkce", None)
    work = app.services.unit_of_work
    with work.scope():
        session = work.session()
        row = session.scalar(select(OAuthClient)
                             .where(OAuthClient.client_id == spec["client_id"]))
        if row is None:
            # A public client: no secret, so no key to hash one under is needed.
            create(session, NewClient(**spec), ClientSecrets.from_keys(
                app.config["ONEGATE"]["KEK_BYTES"], app.config["ONEGATE"]["SECRET_KEY"]))
        else:
            if row.redirect_uris != spec["redirect_uris"]:
                # The issuer URL changed (another host or port): follow it.
                row.redirect_uris = spec["redirect_uris"]
                row.post_logout_redirect_uris = spec["post_logout_redirect_uris"]
            if (row.scope or "").split() != spec["scopes"]:
                # The wallet asks for a new scope (e.g. enterprise): follow it.
                row.scope = " ".join(spec["scopes"])
            # People see this name (sessions list): an older mixed-language one is renamed.
            if row.name != spec["name"]:
                row.name = spec["name"]
    return spec["client_id"]


def ensure_console_client(app: OnegateFlask) -> str:
    """The operators' console is a confidential relying party of our own provider
    (admin.console.client: its secret derived from the KEK); register it once, and keep
    its URIs on the current issuer."""
    from admin.console import client
    from idp.clients import ClientSecrets

    values = app.config["ONEGATE"]
    work = app.services.unit_of_work
    with work.scope():
        client.ensure_registered(work.session(), app.services.issuer, values["KEK_BYTES"],
                                 ClientSecrets.from_keys(values["KEK_BYTES"],
                                                         values["SECRET_KEY"]))
    return client.CLIENT_ID


def initialise(app: OnegateFlask) -> None:
    """Migrate the database, make sure the provider can sign and the wallet and the
    console can log in."""
    upgrade(app)
    ensure_provider_keys(app)
    ensure_wallet_client(app)
    ensure_console_client(app)


def upgrade(app: OnegateFlask) -> None:
    """Apply every pending migration; then the audit signing key exists and legacy
    audit entries are sealed."""
    db.upgrade(app.services.engine, app.services.settings["KEK_BYTES"])
    audit_trail.seal_and_key(app.services.keyring, app.audit)
