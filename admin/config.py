"""Turn the settings table into a Flask config, applying development defaults and
refusing them in production (issue: ``ONEGATE_ENV=production``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from admin import settings as settings_table
from admin.secrets_files import generated_secret, parse_kek, read_secret_file
from admin.settings import ConfigError

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def default_instance_path() -> Path:
    """``ONEGATE_INSTANCE_PATH`` or ``./instance`` of the working directory."""
    return Path(os.environ.get("ONEGATE_INSTANCE_PATH", "instance")).resolve()


def build(overrides: Mapping[str, Any] | None = None,
          environ: Mapping[str, str] | None = None,
          instance_path: Path | None = None) -> dict[str, Any]:
    """Resolved settings plus derived values; raises ConfigError (one line)."""
    environ = os.environ if environ is None else environ
    instance_path = instance_path or default_instance_path()
    values = settings_table.load(environ, instance_path, overrides)
    production = values["ENV"] == "production"
    if production:
        _refuse_development_defaults(values)
    values["INSTANCE_PATH"] = str(instance_path)
    values["SENDER"] = values["SENDER"] or ("none" if production else "log")
    if production and not values["METRICS_ALLOW"] and not values["METRICS_TOKEN"]:
        # Business counters are not for everyone: unless told otherwise, production
        # serves /metrics to the machine itself (a scraper beside it, or a tunnel).
        values["METRICS_ALLOW"] = LOOPBACK
    values["ISSUER"] = values["ISSUER"] or f"http://{_host_for_url(values)}:{values['PORT']}"
    values["DATABASE_URL"] = values["DATABASE_URL"] or (
        f"sqlite:///{instance_path / 'onegate.db'}")
    values["KEK_BYTES"] = _kek(values, instance_path)
    values["SECRET_KEY"] = values["SECRET_KEY"] or generated_secret(instance_path / "secret.key")
    if production:
        _check_production_values(values)
    return values


#: Where production serves /metrics when neither METRICS_ALLOW nor METRICS_TOKEN is set.
LOOPBACK = ("127.0.0.0/8", "::1/128")


def _host_for_url(values: Mapping[str, Any]) -> str:
    host = values["HOST"]
    return "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104


def _kek(values: Mapping[str, Any], instance_path: Path) -> bytes:
    if values["KEK"]:
        return parse_kek(values["KEK"], "KEK")
    if values["KEK_FILE"]:
        return parse_kek(read_secret_file(Path(values["KEK_FILE"]), "KEK_FILE"), "KEK_FILE")
    return parse_kek(generated_secret(instance_path / "kek.key"), "KEK_FILE")


def _refuse_development_defaults(values: Mapping[str, Any]) -> None:
    if not (values["KEK"] or values["KEK_FILE"]):
        raise ConfigError("KEK", "production needs a key-encryption key (or ONEGATE_KEK_FILE)")
    if not values["SECRET_KEY"]:
        raise ConfigError("SECRET_KEY", "production needs an explicit secret key")
    if not values["DATABASE_URL"] or values["DATABASE_URL"].startswith("sqlite"):
        raise ConfigError("DATABASE_URL", "production needs PostgreSQL, not SQLite")
    if values["DEBUG"]:
        raise ConfigError("DEBUG", "debug mode is refused in production")
    if values["SENDER"] == "log" and not values["SENDER_ALLOW_LOG"]:
        raise ConfigError("SENDER", "the log sender writes reset codes to the logs; "
                          "production needs a real sender (or SENDER_ALLOW_LOG=true)")
    if not values["ISSUER"]:
        raise ConfigError("ISSUER", "production needs an explicit https issuer URL")


def _check_production_values(values: Mapping[str, Any]) -> None:
    issuer = urlsplit(values["ISSUER"])
    if issuer.scheme != "https" and issuer.hostname not in LOCAL_HOSTS:
        raise ConfigError("ISSUER", "production needs an https issuer (http only on localhost)")
    if len(values["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY", "must be at least 32 characters")
