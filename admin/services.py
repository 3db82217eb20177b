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

from admin import audit_trail, db
from audit import trail as trails
from audit.publishing import Publisher
from audit.services import AuditServices
from edge.access_tokens import AccessTokenValidator
from edge.unit_of_work import UnitOfWork
from keys import KeyRing
from keys.errors import KeysError
from keys.sql_store import SqlKeyStore

if TYPE_CHECKING:
    from credentials.services import ClientExists, CredentialsServices
    from idp.services import IdpServices
    from verify.services import ClientNames, VerifyServices


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


# -- the packages' services (each package declares its own; admin supplies it) ------


def credentials_services(core: Services, *, client_exists: ClientExists) -> CredentialsServices:
    """credentials' services: reference-token keys from the KEK (and the pre-0.2
    SECRET_KEY-derived one), one problem-type registry and one OpenAPI fragment list
    for the whole app (verify, audit and admin register theirs on them)."""
    from credentials.openapi import Fragments
    from credentials.problems import ProblemTypes
    from credentials.published import IssuerDocuments
    from credentials.references import ReferenceKeys
    from credentials.services import CredentialsServices
    from credentials.status import SignedListCache
    from verify.uses import for_licence

    values = core.settings
    cache = SignedListCache()
    return CredentialsServices(
        unit_of_work=core.unit_of_work, sessions=core.sessions, keyring=core.keyring,
        issuer=core.issuer,
        references=ReferenceKeys.from_kek(values["KEK_BYTES"], values["SECRET_KEY"]),
        access_tokens=core.access_tokens, client_exists=client_exists,
        problem_types=ProblemTypes(core.issuer), openapi_fragments=Fragments(),
        published=IssuerDocuments(core.unit_of_work, core.sessions, core.keyring,
                                  core.issuer, cache),
        status_cache=cache, licence_uses=for_licence, slot_reserve=_slot_reserve(core),
        batch_signing=_batch_signing(core))


def _batch_signing(core: Services):
    """Signing processes for large API batches, when BATCH_SIGNING_WORKERS asks."""
    from credentials.batch_signing import BatchSigning

    workers = core.settings["BATCH_SIGNING_WORKERS"]
    return BatchSigning(workers) if workers > 0 else None


def _slot_reserve(core: Services):
    """The per-process reserve of status slots on PostgreSQL (SQLite serialises every
    writer, so a reserve would only add a background writer there)."""
    from credentials.slot_reserve import SlotReserve

    size = core.settings["STATUS_SLOT_RESERVE"]
    if size <= 0 or core.engine.dialect.name != "postgresql":
        return None
    return SlotReserve(core.sessions, size)


def verify_services(core: Services, credentials: CredentialsServices, *,
                    client_names: ClientNames | None = None) -> VerifyServices:
    """verify's verifier over the in-process catalogue, status lists (sharing
    credentials' signed-list cache) and references, read in the request's unit of work;
    its rate limiter counts in Redis when configured, else in the database."""
    from sqlalchemy.exc import SQLAlchemyError

    from credentials.status_stamps import StatusStamps, publish_changes
    from verify.online import CatalogueTrustSource, LicenceReferences, LocalStatusSource
    from verify.pipeline import DEFAULT_ALGORITHMS, Verifier
    from verify.published import TrustListDocuments
    from verify.rate_counters import SqlCounter
    from verify.ratelimit import FixedWindow, RedisCounter, batch_for
    from verify.services import VerifyServices, VerifySettings

    settings = VerifySettings.from_settings(core.settings)
    base = core.issuer.rstrip("/")
    session = core.unit_of_work.session
    trust = CatalogueTrustSource(session, core.keyring, base, ttl=settings.trust_ttl)
    # With Redis, the status lists' versions are mirrored there (one GET per
    # verification instead of a database read); every commit that changed a list's
    # version raises its stamp before the request answers.
    stamps = StatusStamps(core.redis) if core.redis is not None else None
    if stamps is not None:
        publish_changes(core.sessions, stamps)
    status = LocalStatusSource(session, core.keyring, base, key_ttl=settings.trust_ttl,
                               cache=credentials.status_cache, stamps=stamps)
    algorithms = DEFAULT_ALGORITHMS + (("RS256",) if settings.allow_rs256 else ())
    verifier = Verifier(trust=trust, status=status, references=LicenceReferences(session, base),
                        leeway=settings.leeway, algorithms=algorithms,
                        unavailable=(SQLAlchemyError,))
    counter = RedisCounter(core.redis) if core.redis is not None else SqlCounter(core.sessions)
    return VerifyServices(
        unit_of_work=core.unit_of_work, keyring=core.keyring, base_url=base, settings=settings,
        verifier=verifier, trust=trust, status=status,
        limiter=FixedWindow(settings.rate_limit, settings.rate_window, counter,
                            batch=batch_for(settings.rate_limit)),
        access_tokens=core.access_tokens, problem_types=credentials.problem_types,
        published=TrustListDocuments(core.unit_of_work, trust, core.keyring, base),
        **({"client_names": client_names} if client_names is not None else {}))


def audit_services(core: Services) -> AuditServices:
    """The audit trail's wiring. Binds the Trail to ``core.sessions``, so that every
    session of the app (the request's unit of work, a package's own short transaction)
    appends keyed entries: idp, credentials and verify append in the session they were
    given (``audit.log.append``), and the entry lands in that transaction."""
    trail = audit_trail.trail(core.settings, core.keyring)
    trails.bind(core.sessions, trail)
    return AuditServices(unit_of_work=core.unit_of_work, sessions=core.sessions, trail=trail,
                         publisher=Publisher(core.sessions), issuer=core.issuer)


def idp_services(core: Services, *,
                 licence_type_names: Callable[[str, str], str | None] | None = None,
                 department_exists: Callable[[Session, str], bool] | None = None,
                 first_party_clients: frozenset[str] = frozenset()) -> IdpServices:
    """What the provider needs (idp.services), from the core services. Derives the
    provider's keys once (HKDF from the KEK), so no request pays for it."""
    from idp import discovery, jwks
    from idp.client_cache import ClientCache
    from idp.clients import ClientSecrets
    from idp.cors import CorsOrigins
    from idp.device_cookies import DeviceCookies
    from idp.grants.families import hash_key
    from idp.second_factor_keys import SecondFactorKeys
    from idp.services import IdpServices, IdpSettings
    from idp.sso import SsoSessions
    from idp.throttle import TokenBudget
    from idp.throttle_stores import RedisStore, SqlStore
    from idp.tokens import ProviderSigner

    settings = IdpSettings.from_mapping(core.settings)
    store = RedisStore(core.redis) if core.redis is not None else SqlStore(core.sessions)
    client_cache = ClientCache()
    # A client written in this process: dropped at once; in others: announced by Redis.
    client_cache.watch(core.sessions, redis=core.redis)
    budget = TokenBudget(store, settings.token_rate_limit, settings.token_rate_window,
                         redis=core.redis)
    return IdpServices(
        settings=settings, unit_of_work=core.unit_of_work, sessions=core.sessions,
        keyring=core.keyring, redis=core.redis, throttle_store=store, token_budget=budget,
        device_cookies=DeviceCookies.from_kek(settings.kek, settings.login_device_ttl),
        second_factor_keys=SecondFactorKeys.from_kek(settings.kek, settings.secret_key),
        client_secrets=ClientSecrets.from_keys(settings.kek, settings.secret_key),
        client_cache=client_cache,
        token_hash_key=hash_key(settings.kek), signer=ProviderSigner(core.keyring),
        denylist=core.denylist, access_tokens=core.access_tokens,
        cors=CorsOrigins(core.unit_of_work, changes=client_cache),
        sso=SsoSessions(core.unit_of_work, secret_key=settings.secret_key,
                        ttl_seconds=settings.session_ttl, secure=settings.secure_cookies),
        jwks_document=jwks.document(core.keyring),
        discovery_document=discovery.document(settings.issuer),
        licence_type_names=licence_type_names, department_exists=department_exists,
        first_party_clients=first_party_clients, sender=sender(core.settings))


def sender(values: Mapping[str, Any]):
    """The self-service reset sender ONEGATE_SENDER names (admin.settings), or None
    (``none``); raises ConfigError when a named factory cannot be imported."""
    import importlib

    from admin.settings import ConfigError
    from idp.senders import LogSender

    name = values["SENDER"]
    if name in ("none", ""):
        return None
    if name == "log":
        return LogSender()
    module, _, factory = name.partition(":")
    try:
        return getattr(importlib.import_module(module), factory)(values)
    except (ImportError, AttributeError) as exc:
        raise ConfigError("SENDER", f"cannot load {name}: {exc}") from None
