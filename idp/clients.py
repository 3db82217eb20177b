"""Registered clients: lookup, secrets (keyed SHA-256, not argon2: they are
generated with 256 bits of entropy, see DESIGN.md), and the client-auth methods.

Secrets are keyed under a key derived from the key-encryption key (prefix
``hmac-sha256-kek$``), so rotating the cookie secret leaves every hall working.
Hashes written by version 0.1 (prefix ``hmac-sha256$``, keyed from SECRET_KEY) still
verify until the secret is rotated."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.errors import InvalidClientError
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from flask import g
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp.errors import BasicAuthError
from idp.models.clients import ClientAssertionJti, OAuthClient
from idp.upsert import insert_ignore
from keys import derive_key

if TYPE_CHECKING:
    from idp.client_cache import ClientCache
    from idp.services import IdpServices

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
CONFIDENTIAL_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
ID_TOKEN_ALGS = ("RS256", "ES256", "EdDSA")
#: Algorithms accepted on private_key_jwt assertions: asymmetric only (RFC 7523
#: section 2.2 with the client's public keys; never HS256 or none).
ASSERTION_ALGS = ("RS256", "ES256", "EdDSA")
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
#: RFC 8693 section 2.1: a station system's 代办 tokens (idp.grants.token_exchange).
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials", DEVICE_CODE,
               TOKEN_EXCHANGE)
_SECRET_CONTEXT = b"onegate/client-secret/v1"
SECRET_PREFIX = "hmac-sha256-kek$"  # noqa: S105 (a label, not a secret)
LEGACY_SECRET_PREFIX = "hmac-sha256$"  # noqa: S105 (a label)


@dataclass(frozen=True, slots=True)
class ClientSecrets:
    """The keys client secrets are hashed under: ``key`` (derived from the KEK) for
    every hash written now, ``legacy_key`` (from SECRET_KEY) for 0.1's hashes."""

    key: bytes
    legacy_key: bytes

    @classmethod
    def from_keys(cls, kek: bytes, secret_key: str) -> ClientSecrets:
        """Derive both keys; raises ValueError for an empty KEK."""
        return cls(key=derive_key(kek, "idp client secret"),
                   legacy_key=hmac.new(secret_key.encode(), _SECRET_CONTEXT,
                                       hashlib.sha256).digest())

    def hash(self, secret: str) -> str:
        """Keyed SHA-256 of a generated secret (HMAC with a key derived from the KEK)."""
        return SECRET_PREFIX + hmac.new(self.key, secret.encode(), hashlib.sha256).hexdigest()

    def matches(self, stored: str | None, secret: str | None) -> bool:
        """Constant-time check of ``secret`` against a stored hash of either version."""
        if not stored or not secret:
            return False
        if stored.startswith(SECRET_PREFIX):
            return hmac.compare_digest(stored, self.hash(secret))
        legacy = hmac.new(self.legacy_key, secret.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(stored, LEGACY_SECRET_PREFIX + legacy)

    def accepts(self, row: OAuthClient, secret: str | None, now: datetime) -> bool:
        """Whether ``secret`` is the client's current secret, or the one a rotation
        replaced while its overlap window is open at ``now`` (idp.secret_rotation)."""
        current = self.matches(row.secret_hash, secret)
        expires = row.previous_secret_expires_at
        previous = expires is not None and now < expires and \
            self.matches(row.previous_secret_hash, secret)
        return current or previous


def secret_clock() -> datetime:
    """Now, as the overlap windows of rotated secrets see it (tests replace it)."""
    return utcnow()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class Client(ClientMixin):
    """Authlib's view of an ``OAuthClient`` row (detached, read-only)."""

    row: OAuthClient
    secrets: ClientSecrets = field(repr=False)
    client_metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        self.client_metadata = {
            "post_logout_redirect_uris": list(self.row.post_logout_redirect_uris or []),
            "id_token_signed_response_alg": self.row.id_token_signed_response_alg,
        }

    @property
    def client_id(self) -> str:
        return self.row.client_id

    @property
    def is_public(self) -> bool:
        return self.row.token_endpoint_auth_method == "none"  # noqa: S105

    def get_client_id(self):
        return self.row.client_id

    def get_default_redirect_uri(self):
        # OIDC Core 3.1.2.1: redirect_uri is REQUIRED; we never guess one.
        return None

    def get_allowed_scope(self, scope):
        """The requested scope if the client may ask for all of it, else None
        (which Authlib turns into invalid_scope); the full allowance if omitted
        (RFC 6749 section 3.3 default)."""
        allowed = scope_to_list(self.row.scope) or []
        if not scope:
            return " ".join(allowed)
        wanted = scope_to_list(scope)
        if not set(wanted) <= set(allowed):
            return None
        return " ".join(dict.fromkeys(wanted))

    def check_redirect_uri(self, redirect_uri):
        # RFC 9700 section 4.1.1: exact string matching of redirect URIs.
        return redirect_uri in (self.row.redirect_uris or [])

    def check_client_secret(self, client_secret):
        # Read at each check, never cached: an overlap window closes on time in
        # every worker, whatever the client cache holds.
        return self.secrets.accepts(self.row, client_secret, secret_clock())

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.row.token_endpoint_auth_method

    def check_response_type(self, response_type):
        return response_type in (self.row.response_types or [])

    def check_grant_type(self, grant_type):
        return grant_type in (self.row.grant_types or [])


def find(session: Session | Callable[[], Session], secrets: ClientSecrets,
         client_id: str | None, *, include_disabled: bool = False,
         rows: ClientCache | None = None) -> Client | None:
    """The client, or None if unknown (or disabled, unless asked); cached per request,
    and across requests in ``rows`` (idp.client_cache: its freshness bound) when given.
    ``session`` may be a callable giving it (``services.session``), so a cached client
    opens no transaction. Raises SQLAlchemyError when the database cannot be read."""
    if not client_id or not isinstance(client_id, str) or len(client_id) > 64:
        return None
    cache = g.setdefault("_oauth_clients", {})
    if client_id not in cache:
        if rows is not None:
            row = rows.get(session, client_id)
        else:
            if not isinstance(session, Session):
                session = session()
            row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
        cache[client_id] = Client(row, secrets) if row is not None else None
    client = cache[client_id]
    if client is not None and client.row.disabled and not include_disabled:
        return None
    return client


#: Longest Authorization header value we decode (a 64-character client_id and a
#: 43-character secret need about 150; anything this long is not a client of ours).
MAX_BASIC_CREDENTIALS = 1024


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an ``Authorization`` header value; None when
    there is none or it is not Basic; raises BasicAuthError (401 invalid_client) when
    it is Basic and malformed (see ``client_secret_basic``). Also idp.token_fast_path's."""
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    value = value.strip()
    if not value or len(value) > MAX_BASIC_CREDENTIALS:
        raise BasicAuthError(description="Malformed Basic credentials.")
    try:
        # RFC 7617 section 2: token68 (strict base64), then user-id ":" password in
        # UTF-8 (section 2.1); RFC 6749 Appendix B: each part form-urlencoded.
        text = base64.b64decode(value, validate=True).decode("utf-8")
        client_id, colon, secret = text.partition(":")
        client_id, secret = unquote(client_id, errors="strict"), unquote(secret, errors="strict")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        raise BasicAuthError(description="Malformed Basic credentials.") from None
    if not colon or not client_id or not secret:
        raise BasicAuthError(description="Malformed Basic credentials.")
    return client_id, secret


def client_secret_basic(query_client, request) -> Client | None:
    """RFC 6749 section 2.3.1 with RFC 7617: ``Authorization: Basic`` carrying
    base64(urlencode(client_id) ":" urlencode(client_secret)).

    Replaces Authlib's parser, which raised UnicodeDecodeError (HTTP 500) on
    credentials that are not UTF-8. RFC 6749 section 5.2: "If the client attempted
    to authenticate via the 'Authorization' request header field, the authorization
    server MUST respond with an HTTP 401 (Unauthorized) status code and include the
    WWW-Authenticate response header field" -- so any malformed Basic header is
    401 invalid_client at once, never a fall-through to another method. Returns None
    when the request carries no Basic header (another method may apply).
    """
    credentials = basic_credentials(request.headers.get("Authorization"))
    if credentials is None:
        return None
    client_id, secret = credentials
    client = query_client(client_id)
    if client is None or not client.check_client_secret(secret):
        raise BasicAuthError(description="Client authentication failed.")
    return client


class PrivateKeyJWT(JWTBearerClientAssertion):
    """RFC 7523 section 2.2 client authentication with the client's registered keys."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, services: IdpServices):
        super().__init__(validate_jti=True, leeway=30)
        self.services = services
        #: Key sets fetched from clients' jwks_uri, owned here and bounded.
        self.remote_jwks = RemoteKeySets()

    def __call__(self, query_client, request):
        """Authlib's check, with any malformed assertion, key set or unreachable
        jwks_uri answered as RFC 6749 section 5.2 invalid_client ("Client
        authentication failed"), never HTTP 500."""
        import requests

        try:
            return super().__call__(query_client, request)
        except InvalidClientError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, JoseError,
                requests.RequestException):
            raise InvalidClientError(description="Malformed client assertion.") from None

    def process_assertion_claims(self, assertion, resolve_key):
        """Authlib's check, restricted to ASSERTION_ALGS (joserfc's default set would
        refuse EdDSA and accept HS256); raises InvalidClientError."""
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=list(ASSERTION_ALGS))
        except JoseError as exc:
            raise InvalidClientError(description=exc.description) from exc
        self.verify_claims(token.claims)
        return token.claims

    def get_audiences(self):
        # RFC 7523 section 3: "The JWT MUST contain an aud claim containing a value
        # that identifies the authorization server as an intended audience."
        base = self.services.issuer
        return [base, base + "/oauth/token", base + "/oauth/introspect", base + "/oauth/revoke",
                base + "/oauth/device_authorization"]

    def resolve_client_public_key(self, client):
        if client.row.jwks:
            return KeySet.import_key_set(client.row.jwks)
        if client.row.jwks_uri:
            return KeySet.import_key_set(self.remote_jwks.get(client.row.jwks_uri))
        return KeySet([])

    def validate_jti(self, claims, jti):
        """RFC 7523 section 3: the server MAY ensure JWTs are not replayed by
        caching jti values; we do so until the assertion would expire."""
        key = f"{claims['sub']}:{jti}"[:300]
        ttl = max(int(claims.get("exp", 0)) - int(time.time()) + self.leeway, 60)
        redis = self.services.redis
        if redis is not None:
            return bool(redis.set(f"onegate:assertion-jti:{key}", 1, nx=True, ex=ttl))
        # In the request's transaction: a request that fails later keeps its jti
        # unspent, and the client may retry the same assertion (it was never honoured).
        session = self.services.session()
        session.execute(delete(ClientAssertionJti)
                        .where(ClientAssertionJti.expires_at < utcnow()))
        return insert_ignore(session, ClientAssertionJti,
                             {"key": key, "expires_at": utcnow() + timedelta(seconds=ttl)})


#: A fetched jwks_uri document is reused this long (seconds).
REMOTE_JWKS_TTL = 300.0
#: At most this many jwks_uri documents are kept (least recently used dropped).
MAX_REMOTE_JWKS = 256


class RemoteKeySets:
    """Clients' key sets fetched from their ``jwks_uri`` (RFC 7591 section 2), each
    reused ``ttl`` seconds, at most ``max_entries`` of them (LRU): a client rotating
    its keys at the same uri is followed within ``ttl``; a new uri is fetched at once."""

    def __init__(self, ttl: float = REMOTE_JWKS_TTL, max_entries: int = MAX_REMOTE_JWKS,
                 fetch: Callable[[str], dict] | None = None) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self.fetch = fetch or _fetch_jwks
        self._entries: OrderedDict[str, tuple[float, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, uri: str) -> dict:
        """The key set at ``uri``; raises what fetching raises (requests errors,
        ValueError for a body that is not JSON)."""
        with self._lock:
            cached = self._entries.get(uri)
            if cached is not None and cached[0] > time.monotonic():
                self._entries.move_to_end(uri)
                return cached[1]
        data = self.fetch(uri)
        with self._lock:
            self._entries[uri] = (time.monotonic() + self.ttl, data)
            self._entries.move_to_end(uri)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return data


def _fetch_jwks(uri: str) -> dict:
    import requests

    return requests.get(uri, timeout=5).json()
