"""The typed services object: built once by ``create_app``, handed to each package.

fosite-style: each package declares what it needs (``idp.services.IdpServices``,
``credentials.services.CredentialsServices``, ...) and this composition root supplies
it. Nothing below admin looks a dependency up by name in ``app.extensions`` or through
``current_app``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from admin import db
from edge.access_tokens import AccessTokenValidator
from edge.unit_of_work import UnitOfWork
from keys import KeyRing
from keys.errors import KeysError
from keys.sql_store import SqlKeyStore

if TYPE_CHECKING:
    from idp.services import IdpServices


@dataclass(frozen=True, eq=False)
class Services:
    """What the running app is made of. ``settings`` are the validated ``ONEGATE_*``
    values (admin.settings), read-only by convention."""

    settings: Mapping[str, Any]
    engine: Engine
    sessions: sessionmaker[Session]
    unit_of_work: UnitOfWork
    keyring: KeyRing
    redis: Any  # redis.Redis, or None when ONEGATE_REDIS_URL is empty
    #: The one validator of the provider's access tokens (edge.access_tokens), with
    #: the provider's denylist, so logout and withdrawn consent stop tokens at once.
    access_tokens: AccessTokenValidator
    #: The provider's access-token denylist (idp.denylist) that ``access_tokens`` asks.
    denylist: Any

    @property
    def issuer(self) -> str:
        return self.settings["ISSUER"]


def build(values: Mapping[str, Any]) -> Services:
    """Engine, sessions, key ring and Redis client from validated settings; connects
    to nothing yet (the first request or command does)."""
    engine = db.make_engine(values["DATABASE_URL"])
    sessions = db.make_session_factory(engine)
    keyring = KeyRing(SqlKeyStore(sessions), values["KEK_BYTES"],
                      retire_after=timedelta(seconds=values["KEY_RETIRE_AFTER"]))
    from idp.denylist import AccessTokenDenylist

    unit_of_work, redis = UnitOfWork(sessions), _redis(values["REDIS_URL"])
    # The provider's denylist: logout, revocation and withdrawn consent stop tokens at
    # once everywhere in the service (idp fills it; every validator asks it).
    denylist = AccessTokenDenylist(unit_of_work, sessions, redis,
                                   default_ttl=values["ACCESS_TOKEN_TTL"])
    validator = AccessTokenValidator(keyring, issuer=values["ISSUER"],
                                     audience=values["ISSUER"] + "/api",
                                     is_revoked=denylist.is_revoked,
                                     key_faults=(KeysError, ValueError))
    return Services(settings=values, engine=engine, sessions=sessions,
                    unit_of_work=unit_of_work, keyring=keyring, redis=redis,
                    access_tokens=validator, denylist=denylist)


def _redis(url: str):
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def idp_services(core: Services, *,
                 licence_type_names: Callable[[str, str], str | None] | None = None
                 ) -> IdpServices:
    """What the provider needs (idp.services), from the core services. Derives the
    provider's keys once (HKDF from the KEK), so no request pays for it."""
    from idp.clients import ClientSecrets
    from idp.cors import CorsOrigins
    from idp.device_cookies import DeviceCookies
    from idp.grants.families import hash_key
    from idp.second_factor_keys import SecondFactorKeys
    from idp.services import IdpServices, IdpSettings
    from idp.sso import SsoSessions
    from idp.throttle_stores import RedisStore, SqlStore
    from idp.tokens import ProviderSigner

    settings = IdpSettings.from_mapping(core.settings)
    store = RedisStore(core.redis) if core.redis is not None else SqlStore(core.sessions)
    return IdpServices(
        settings=settings, unit_of_work=core.unit_of_work, sessions=core.sessions,
        keyring=core.keyring, redis=core.redis, throttle_store=store,
        device_cookies=DeviceCookies.from_kek(settings.kek, settings.login_device_ttl),
        second_factor_keys=SecondFactorKeys.from_kek(settings.kek, settings.secret_key),
        client_secrets=ClientSecrets.from_keys(settings.kek, settings.secret_key),
        token_hash_key=hash_key(settings.kek), signer=ProviderSigner(core.keyring),
        denylist=core.denylist, access_tokens=core.access_tokens,
        cors=CorsOrigins(core.unit_of_work),
        sso=SsoSessions(core.unit_of_work, secret_key=settings.secret_key,
                        ttl_seconds=settings.session_ttl, secure=settings.secure_cookies),
        licence_type_names=licence_type_names)
