"""What the provider needs from the app, declared here and supplied by the composition
root (``admin.services.idp_services``), fosite-style. Nothing in idp looks a
dependency up in ``app.extensions`` or through ``current_app``.

In a request, code asks ``unit_of_work.session()`` for the request's one session
(admin.edge commits it once, when the view returned). ``sessions`` is for the few
writes that must outlive the request's rollback, each documented where it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from edge.access_tokens import AccessTokenValidator
from edge.published import PublishedDocument
from edge.unit_of_work import UnitOfWork
from idp.client_cache import ClientCache
from idp.clients import ClientSecrets
from idp.cors import CorsOrigins
from idp.denylist import AccessTokenDenylist
from idp.device_cookies import DeviceCookies
from idp.second_factor_keys import SecondFactorKeys
from idp.senders import Sender
from idp.sso import SsoSessions
from idp.throttle import Policies, ThrottleStore, TokenBudget
from idp.tokens import ProviderSigner

#: ``(licence type code, locale) -> name or None``; locale "zh-CN" or "en". idp cannot
#: import the licence catalogue (import contract), so the composition root supplies it.
LicenceTypeNames = Callable[[str, str], "str | None"]


@dataclass(frozen=True, slots=True)
class IdpSettings:
    """The ``ONEGATE_*`` settings the provider reads (admin.settings documents them)."""

    issuer: str
    secret_key: str
    kek: bytes
    access_token_ttl: int
    id_token_ttl: int
    refresh_token_ttl: int
    refresh_reuse_grace: int
    auth_code_ttl: int
    session_ttl: int
    login_device_ttl: int
    token_rate_limit: int
    token_rate_window: int
    login_policies: Policies
    device_code_ttl: int = 600
    device_poll_interval: int = 5
    user_code_attempts: int = 10

    @property
    def api_audience(self) -> str:
        """The default resource access tokens are for (RFC 9068 section 3)."""
        return self.issuer + "/api"

    @property
    def secure_cookies(self) -> bool:
        return self.issuer.startswith("https://")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> IdpSettings:
        """From validated settings (names without the ``ONEGATE_`` prefix); raises
        KeyError when one is missing."""
        return cls(issuer=values["ISSUER"], secret_key=values["SECRET_KEY"],
                   kek=values["KEK_BYTES"], access_token_ttl=values["ACCESS_TOKEN_TTL"],
                   id_token_ttl=values["ID_TOKEN_TTL"],
                   refresh_token_ttl=values["REFRESH_TOKEN_TTL"],
                   refresh_reuse_grace=values["REFRESH_REUSE_GRACE"],
                   auth_code_ttl=values["AUTH_CODE_TTL"], session_ttl=values["SESSION_TTL"],
                   login_device_ttl=values["LOGIN_DEVICE_TTL"],
                   token_rate_limit=values["TOKEN_RATE_LIMIT"],
                   token_rate_window=values["TOKEN_RATE_WINDOW"],
                   login_policies=Policies.from_settings(values),
                   device_code_ttl=values["DEVICE_CODE_TTL"],
                   device_poll_interval=values["DEVICE_POLL_INTERVAL"],
                   user_code_attempts=values["USER_CODE_ATTEMPTS"])


@dataclass(frozen=True, eq=False)
class IdpServices:
    """Everything the provider's views, grants, endpoints and commands use."""

    settings: IdpSettings
    unit_of_work: UnitOfWork
    #: Own short transactions, only where work must survive the request's rollback.
    sessions: sessionmaker[Session]
    keyring: Any  # keys.KeyRing
    redis: Any  # redis.Redis, or None when ONEGATE_REDIS_URL is empty
    #: Login and token-endpoint budgets (idp.throttle_stores: Redis or the database).
    throttle_store: ThrottleStore
    #: The token endpoint's per-client budget (batched in Redis, see TokenBudget).
    token_budget: TokenBudget
    device_cookies: DeviceCookies
    second_factor_keys: SecondFactorKeys
    client_secrets: ClientSecrets
    #: Registered clients by client_id, per worker (bounded; freshness in the module).
    client_cache: ClientCache
    #: Refresh-token and authorization-code hash key (idp.grants.families).
    token_hash_key: bytes
    signer: ProviderSigner
    denylist: AccessTokenDenylist
    #: The one validator of access tokens (edge.access_tokens), asking ``denylist``.
    access_tokens: AccessTokenValidator
    cors: CorsOrigins
    sso: SsoSessions
    #: /jwks and discovery as published bytes: one object each, served by the views
    #: and by admin.published before Flask's dispatch.
    jwks_document: PublishedDocument
    discovery_document: PublishedDocument
    licence_type_names: LicenceTypeNames | None = None
    #: ``(session, department code) -> bool`` for department-scoped staff roles
    #: (idp.staff.DepartmentExists); None accepts any code.
    department_exists: Callable[[Session, str], bool] | None = None
    #: Clients that are part of onegate itself (the holder wallet): they show a person
    #: their own data in the provider's own origin, so no consent page is shown for them
    #: (``prompt=consent`` still shows it). Supplied by admin; never a hall.
    first_party_clients: frozenset[str] = frozenset()
    #: Delivers self-service reset codes (ONEGATE_SENDER); None: self-service is off.
    sender: Sender | None = None

    @property
    def issuer(self) -> str:
        return self.settings.issuer

    def session(self) -> Session:
        """The current unit of work's session (raises NoUnitOfWork outside one)."""
        return self.unit_of_work.session()

    @contextmanager
    def work(self) -> Iterator[Session]:
        """A unit of work for a command or a job (joining one already open): its
        session, committed on success and rolled back on an exception."""
        with self.unit_of_work.scope():
            yield self.unit_of_work.session()
