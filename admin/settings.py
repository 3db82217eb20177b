"""The one settings table: every ``ONEGATE_*`` variable, its parser and its default.

Values come, highest first, from: ``create_app(config)`` overrides, the process
environment (``ONEGATE_<NAME>``), the optional instance file
(``<instance>/onegate.toml``, keys without the prefix), then the defaults below.
README's configuration table is generated from ``SETTINGS`` (``onegate config
table``) and a test keeps the two in step.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PREFIX = "ONEGATE_"
#: The servers `onegate serve` can run (admin.serve.SERVERS; no import: settings is a leaf).
SERVERS = ("gthread", "granian", "gevent")


class ConfigError(Exception):
    """A setting is missing or malformed; ``str()`` is one line naming it."""

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"{PREFIX}{name}: {message}")


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: Any
    doc: str
    secret: bool = False


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """Seconds from ``"600"``, ``"10m"``, ``"8h"`` or ``"30d"``; raises ValueError."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"expected a duration such as 600, 10m, 8h or 30d, got {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_bool(text: str) -> bool:
    """True/False from the usual spellings; raises ValueError on anything else."""
    value = str(text).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def parse_port(text: str) -> int:
    """A TCP port number; raises ValueError outside 1-65535."""
    try:
        port = int(str(text))
    except ValueError:
        raise ValueError(f"expected a port number, got {text!r}") from None
    if not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    return port


def parse_env(text: str) -> str:
    """One of development, test, production; raises ValueError otherwise."""
    value = str(text).strip().lower()
    if value not in {"development", "test", "production"}:
        raise ValueError(f"expected development, test or production, got {text!r}")
    return value


def parse_url(text: str) -> str:
    """An absolute http(s) URL without a trailing slash; raises ValueError."""
    parts = urlsplit(str(text).strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"expected an absolute http(s) URL, got {text!r}")
    if parts.query or parts.fragment:
        raise ValueError("must not carry a query or fragment")
    return str(text).strip().rstrip("/")


def parse_database_url(text: str) -> str:
    """A SQLAlchemy URL for SQLite or PostgreSQL (psycopg 3); raises ValueError."""
    value = str(text).strip()
    if value.startswith("postgresql://") or value.startswith("postgres://"):
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    if not (value.startswith("sqlite:///") or value.startswith("postgresql+psycopg://")):
        raise ValueError(
            "expected sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB, "
            f"got {text.split('@')[-1]!r}"
        )
    return value


def parse_redis_url(text: str) -> str:
    """A redis:// or rediss:// URL, or empty for none; raises ValueError."""
    value = str(text).strip()
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("expected redis://HOST:PORT/DB or rediss://...")
    return value


def parse_level(text: str) -> str:
    """A logging level name; raises ValueError."""
    value = str(text).strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError(f"expected DEBUG, INFO, WARNING or ERROR, got {text!r}")
    return value


def parse_server(text: str) -> str:
    """A WSGI server name of ``onegate serve``; raises ValueError."""
    value = str(text).strip().lower()
    if value not in SERVERS:
        raise ValueError(f"expected one of {', '.join(SERVERS)}, got {text!r}")
    return value


def parse_sender(text: str) -> str:
    """``log``, ``none`` or ``package.module:factory``; raises ValueError."""
    value = str(text).strip()
    if value in {"log", "none"} or re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", value):
        return value
    raise ValueError(f"expected log, none or package.module:factory, got {text!r}")


def parse_networks(text: str) -> tuple[str, ...]:
    """Comma- or space-separated CIDRs (``10.0.0.0/8, ::1/128``), or empty for none;
    raises ValueError naming a malformed one."""
    import ipaddress

    found = []
    for part in str(text).replace(",", " ").split():
        try:
            found.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ValueError(f"expected CIDR networks such as 10.0.0.0/8, got {part!r}") from None
    return tuple(found)


def parse_optional_url(text: str) -> str:
    """An absolute http(s) URL, or empty for none; raises ValueError."""
    return parse_url(text) if str(text).strip() else ""


def parse_nonnegative_int(text: str) -> int:
    """A whole number >= 0; raises ValueError."""
    try:
        value = int(str(text))
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise ValueError(f"must not be negative, got {value}")
    return value


def parse_positive_int(text: str) -> int:
    """A whole number >= 1; raises ValueError."""
    value = parse_nonnegative_int(text)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", parse_env, "development",
            "`development`, `test` or `production`; production refuses development defaults."),
    Setting("HOST", str, "127.0.0.1", "Address `onegate serve` and `make run` listen on."),
    Setting("PORT", parse_port, 8000, "Port `onegate serve` and `make run` listen on."),
    Setting("SERVER", parse_server, "granian",
            "WSGI server of `onegate serve`: `granian` (measured fastest), `gthread` "
            "(gunicorn, threads) or `gevent` (gunicorn; measured 5x slower); see "
            "docs/PERFORMANCE.md."),
    Setting("ISSUER", parse_url, None,
            "Public base URL and OIDC issuer, e.g. `https://id.gd.gov.cn`; "
            "default `http://HOST:PORT`."),
    Setting("DATABASE_URL", parse_database_url, None,
            "SQLAlchemy URL; default SQLite `instance/onegate.db` (WAL); production wants "
            "`postgresql+psycopg://...`."),
    Setting("REDIS_URL", parse_redis_url, "",
            "Redis for rate limits, lockouts and replay caches shared by workers; "
            "empty uses the database."),
    Setting("KEK", str, None,
            "Key-encryption key for private keys at rest: 32 bytes, base64url. Required in "
            "production (or KEK_FILE).", secret=True),
    Setting("KEK_FILE", str, None,
            "File holding the key-encryption key; development generates "
            "`instance/kek.key` (mode 0600)."),
    Setting("SECRET_KEY", str, None,
            "Signs session cookies and CSRF tokens; required in production; development "
            "generates `instance/secret.key`.", secret=True),
    Setting("DEBUG", parse_bool, False, "Flask debug mode; refused in production."),
    Setting("LOG_LEVEL", parse_level, "INFO", "Log level of the JSON logs."),
    Setting("TRUSTED_PROXIES", parse_nonnegative_int, 0,
            "How many reverse proxies' X-Forwarded-* headers to trust."),
    Setting("AUTH_CODE_TTL", parse_duration, 60, "Authorization code lifetime."),
    Setting("ACCESS_TOKEN_TTL", parse_duration, 600, "Access token (JWT) lifetime."),
    Setting("ID_TOKEN_TTL", parse_duration, 600, "ID token lifetime."),
    Setting("REFRESH_TOKEN_TTL", parse_duration, 2592000, "Refresh token family lifetime."),
    Setting("REFRESH_REUSE_GRACE", parse_duration, 10,
            "Window in which a just-rotated refresh token presented again (a retry, a "
            "concurrent request) is refused without revoking its family; later reuse "
            "revokes the family."),
    Setting("SESSION_TTL", parse_duration, 28800, "Single sign-on session lifetime."),
    Setting("KEY_PREPUBLISH", parse_duration, 86400,
            "How long a rotated key is published in JWKS before it starts signing."),
    Setting("KEY_RETIRE_AFTER", parse_duration, 31536000,
            "How long a retired key stays published (longest validity of what it signed)."),
    Setting("LOGIN_LOCK_AFTER", parse_positive_int, 10,
            "Wrong passwords for one account name from one source address before that "
            "source is locked out of it."),
    Setting("LOGIN_LOCK_TIME", parse_duration, 900,
            "How long such a lock lasts (a clerk can lift it: `onegate accounts unlock`)."),
    Setting("LOGIN_DELAY_AFTER", parse_positive_int, 3,
            "Wrong passwords for one account name, from anywhere, before each further "
            "attempt waits 1, 2, 4 ... seconds."),
    Setting("LOGIN_DELAY_MAX", parse_duration, 60,
            "Longest such wait (between two admitted attempts; devices with a device "
            "cookie skip it); 0 turns the delay off."),
    Setting("LOGIN_DEVICE_TTL", parse_duration, 15552000,
            "Lifetime of the device cookie a browser gets after a complete login; with "
            "it, that account's logins skip the name's delay (own budget: "
            "LOGIN_LOCK_AFTER failures, then LOGIN_LOCK_TIME)."),
    Setting("TOKEN_RATE_LIMIT", parse_positive_int, 6000,
            "Token-endpoint requests per client_id and source address per window (429 beyond)."),
    Setting("TOKEN_RATE_WINDOW", parse_duration, 60, "Window of the token-endpoint limit."),
    Setting("TOKEN_FAST_PATH", parse_bool, True,
            "Answer successful `client_credentials` grants and introspections of the "
            "provider's access tokens before Flask's dispatch (same rules and answers; "
            "every error still comes from the Flask path). `false` sends all to Flask."),
    Setting("DEVICE_CODE_TTL", parse_duration, 600,
            "Lifetime of a device authorization request (RFC 8628): a terminal's or the "
            "login page's QR code and user code."),
    Setting("DEVICE_POLL_INTERVAL", parse_duration, 5,
            "Seconds a terminal must wait between polls of the token endpoint (RFC 8628 "
            "interval); each slow_down adds 5 for that request."),
    Setting("USER_CODE_ATTEMPTS", parse_positive_int, 10,
            "Wrong user codes a signed-in session may enter on /device per 15 minutes "
            "before it waits out the window; a source address may enter five times as many."),
    Setting("VERIFY_LEEWAY", parse_duration, 60,
            "Clock skew allowed on a licence's iat, nbf and exp when verifying."),
    Setting("VERIFY_TRUST_TTL", parse_duration, 10,
            "How long a verifier reuses its snapshot of the trust list and JWKS."),
    Setting("VERIFY_ALLOW_RS256", parse_bool, False,
            "Accept RS256-signed licences (ES256 and EdDSA always)."),
    Setting("VERIFY_RATE_LIMIT", parse_nonnegative_int, 120,
            "Verifications per client and IP address per window (API), and requests per "
            "IP address to the `/verify` form and the `/v/...` reference page; counted in "
            "Redis if configured, else in the database, across all workers."),
    Setting("VERIFY_RATE_WINDOW", parse_duration, 60, "Window of the verification rate limit."),
    Setting("AUDIT_CHECKPOINT_EVERY", parse_nonnegative_int, 100,
            "Sign a checkpoint of the audit chain head after this many new entries."),
    Setting("AUDIT_CHECKPOINT_INTERVAL", parse_duration, 300,
            "Also sign one at the first append once the last checkpoint is this old."),
    Setting("SENDER", parse_sender, "",
            "How self-service reset codes reach a verified phone or email: `log` (writes "
            "the message, code included, to the log: development only), `none` "
            "(self-service off, people are sent to a hall) or `package.module:factory` "
            "(a real gateway's adapter, called with the settings, returning an "
            "`idp.senders.Sender`); default `log`, and `none` in production."),
    Setting("SENDER_ALLOW_LOG", parse_bool, False,
            "Let production use `SENDER=log` (a staging system without a gateway); "
            "codes then sit in the logs."),
    Setting("VERIFY_BUNDLE_MAX_AGE", parse_duration, 86400,
            "How long an offline verification bundle stays usable."),
    Setting("STATUS_SLOT_RESERVE", parse_nonnegative_int, 256,
            "Status-list slots each worker process reserves ahead per department on "
            "PostgreSQL (random slots, refilled in the background), so single issues "
            "do not queue on the list's row lock; 0 turns it off. Slots reserved by a "
            "process that dies stay unused."),
    Setting("BATCH_SIGNING_WORKERS", parse_nonnegative_int, 0,
            "Processes per worker that sign the licences of API batches of 100 items or "
            "more (spawned at the first one; one department key at a time, so a batch "
            "for another department restarts them); 0 signs in the request's process."),
    Setting("HOUSEKEEPING_ENABLED", parse_bool, True,
            "Run the housekeeping job (expired rows, due key rotations) inside `onegate "
            "serve`, in one worker of the deployment at a time; turn off when cron runs "
            "`onegate housekeeping --once` instead."),
    Setting("HOUSEKEEPING_INTERVAL", parse_duration, 300,
            "How often the housekeeping job runs (in `onegate serve`, and "
            "`onegate housekeeping` without `--once`)."),
    Setting("HOUSEKEEPING_BATCH", parse_positive_int, 1000,
            "Rows deleted per statement (and transaction) by the housekeeping job."),
    Setting("HOUSEKEEPING_KEEP", parse_duration, 86400,
            "How long expired authorization codes and delivered back-channel messages "
            "are kept before housekeeping deletes them."),
    Setting("HOUSEKEEPING_KEEP_FAILED", parse_duration, 2592000,
            "How long back-channel messages the sender gave up on are kept."),
    Setting("KEY_ROTATE_EVERY", parse_duration, 7776000,
            "Age at which an active signing key is due for rotation; the console's "
            "dashboard lists keys within 14 days of it (and past it)."),
    Setting("CONSOLE_IDLE_TIMEOUT", parse_duration, 900,
            "Operators' console: a session unused this long is over (sign in again)."),
    Setting("CONSOLE_SESSION_MAX", parse_duration, 28800,
            "Operators' console: a session ends this long after sign-in, used or not."),
    Setting("CONSOLE_TOKEN_URL", parse_optional_url, "",
            "Token endpoint the console's sign-in calls server-side (default the "
            "issuer's `/oauth/token`); set it where the public issuer URL is not "
            "reachable from the servers themselves, e.g. `http://127.0.0.1:8000/oauth/token`."),
    Setting("METRICS_ALLOW", parse_networks, (),
            "Networks (CIDRs, comma-separated) allowed to read `/metrics`; empty allows "
            "any address (combine with METRICS_TOKEN). In production, when neither this "
            "nor METRICS_TOKEN is set, loopback only (127.0.0.0/8, ::1/128)."),
    Setting("METRICS_TOKEN", str, "",
            "Bearer token `/metrics` requires (compared in constant time); empty requires "
            "none. Set one of METRICS_ALLOW and METRICS_TOKEN in production.", secret=True),
)

BY_NAME = {s.name: s for s in SETTINGS}


def read_instance_file(instance_path: Path) -> dict[str, Any]:
    """Settings from ``<instance>/onegate.toml`` if present; raises ConfigError."""
    path = instance_path / "onegate.toml"
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("CONFIG_FILE", f"{path} is not valid TOML: {exc}") from None
    unknown = [k for k in data if k.upper() not in BY_NAME]
    if unknown:
        raise ConfigError(unknown[0].upper(), f"unknown setting in {path}")
    return {k.upper(): v for k, v in data.items()}


def load(environ: Mapping[str, str], instance_path: Path,
         overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Resolve every setting; raises ConfigError naming the first bad one."""
    raw: dict[str, Any] = read_instance_file(instance_path)
    raw.update({k[len(PREFIX):]: v for k, v in environ.items()
                if k.startswith(PREFIX) and k[len(PREFIX):] in BY_NAME})
    raw.update(overrides or {})
    values = {}
    for setting in SETTINGS:
        values[setting.name] = _parse_one(setting, raw.get(setting.name))
    return values


def _parse_one(setting: Setting, value: Any) -> Any:
    if value is None or value == "" and setting.default is not None:
        return setting.default
    if not isinstance(value, str) and setting.parse not in (str,):
        value = str(value).lower() if isinstance(value, bool) else str(value)
    try:
        return setting.parse(value)
    except ValueError as exc:
        raise ConfigError(setting.name, str(exc)) from None


def markdown_table() -> str:
    """The README configuration table, generated from SETTINGS."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = "(none)" if s.default in (None, "", ()) else f"`{s.default}`"
        rows.append(f"| `{PREFIX}{s.name}` | {default} | {s.doc} |")
    return "\n".join(rows)
