"""Bad settings stop the start with one clear line naming them."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from admin import config
from admin.settings import SETTINGS, ConfigError, markdown_table, parse_duration

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEK = base64.urlsafe_b64encode(b"x" * 32).decode()


def build(tmp_path, **env):
    return config.build(environ={f"ONEGATE_{k}": v for k, v in env.items()},
                        instance_path=tmp_path)


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("PORT", "eighty", "ONEGATE_PORT: expected a port number"),
    ("PORT", "70000", "ONEGATE_PORT: port must be between 1 and 65535"),
    ("DATABASE_URL", "mysql://root@db/x", "ONEGATE_DATABASE_URL: expected sqlite"),
    ("ISSUER", "id.example", "ONEGATE_ISSUER: expected an absolute http(s) URL"),
    ("ACCESS_TOKEN_TTL", "ten minutes", "ONEGATE_ACCESS_TOKEN_TTL: expected a duration"),
    ("KEK", "c2hvcnQ", "ONEGATE_KEK: must decode to 32 bytes"),
    ("KEK", "not base64 !!", "ONEGATE_KEK: is not base64url text"),
    ("ENV", "staging", "ONEGATE_ENV: expected development, test or production"),
    ("DEBUG", "perhaps", "ONEGATE_DEBUG: expected true or false"),
])
def test_malformed_setting_names_itself(tmp_path, name, value, fragment):
    with pytest.raises(ConfigError) as err:
        build(tmp_path, **{name: value})
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("env", "named"), [
    ({}, "ONEGATE_KEK"),
    ({"KEK": GOOD_KEK}, "ONEGATE_SECRET_KEY"),
    ({"KEK": GOOD_KEK, "SECRET_KEY": "s" * 40}, "ONEGATE_DATABASE_URL"),
    ({"KEK": GOOD_KEK, "SECRET_KEY": "s" * 40, "DATABASE_URL": "sqlite:///x.db"},
     "ONEGATE_DATABASE_URL"),
    ({"KEK": GOOD_KEK, "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://h/db",
      "DEBUG": "true"}, "ONEGATE_DEBUG"),
    ({"KEK": GOOD_KEK, "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://h/db",
      "ISSUER": "http://id.gd.example"}, "ONEGATE_ISSUER"),
])
def test_production_refuses_development_defaults(tmp_path, env, named):
    with pytest.raises(ConfigError) as err:
        build(tmp_path, ENV="production", **env)
    assert str(err.value).startswith(named + ":")


def test_production_accepts_explicit_settings(tmp_path):
    values = build(tmp_path, ENV="production", KEK=GOOD_KEK, SECRET_KEY="s" * 40,
                   DATABASE_URL="postgresql://db.internal/onegate",
                   ISSUER="https://id.gd.example")
    assert values["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert values["KEK_BYTES"] == b"x" * 32
    assert not (tmp_path / "kek.key").exists()


def test_production_serves_metrics_to_loopback_unless_told(tmp_path):
    explicit = dict(ENV="production", KEK=GOOD_KEK, SECRET_KEY="s" * 40,
                    DATABASE_URL="postgresql://db.internal/onegate",
                    ISSUER="https://id.gd.example")
    assert build(tmp_path, **explicit)["METRICS_ALLOW"] == ("127.0.0.0/8", "::1/128")
    assert build(tmp_path, **explicit, METRICS_TOKEN="t" * 32)["METRICS_ALLOW"] == ()
    assert build(tmp_path, **explicit, METRICS_ALLOW="10.0.0.0/8")["METRICS_ALLOW"] == (
        "10.0.0.0/8",)
    assert build(tmp_path, ENV="development")["METRICS_ALLOW"] == ()


def test_development_generates_private_secret_files(tmp_path):
    first = build(tmp_path)
    assert (tmp_path / "kek.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    assert build(tmp_path)["KEK_BYTES"] == first["KEK_BYTES"]
    assert first["ISSUER"] == "http://127.0.0.1:8000"
    assert first["DATABASE_URL"] == f"sqlite:///{tmp_path / 'onegate.db'}"


def test_instance_file_is_read_and_environment_wins(tmp_path):
    (tmp_path / "onegate.toml").write_text('PORT = 9001\nissuer = "https://a.example"\n')
    assert build(tmp_path)["PORT"] == 9001
    assert build(tmp_path, PORT="9002")["PORT"] == 9002
    assert build(tmp_path)["ISSUER"] == "https://a.example"


def test_instance_file_unknown_key_is_named(tmp_path):
    (tmp_path / "onegate.toml").write_text("PROT = 1\n")
    with pytest.raises(ConfigError, match="ONEGATE_PROT: unknown setting"):
        build(tmp_path)


def test_durations():
    assert [parse_duration(v) for v in ("90", "10m", "8h", "30d")] == [90, 600, 28800, 2592000]


def test_readme_table_lists_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "run `onegate config` and paste the table into README"
    assert all(f"ONEGATE_{s.name}" in readme for s in SETTINGS)


@pytest.mark.parametrize(("env", "fragment"), [
    ({"ONEGATE_PORT": "abc"}, "onegate: configuration error: ONEGATE_PORT: expected a port"),
    ({"ONEGATE_ENV": "production"}, "onegate: configuration error: ONEGATE_KEK:"),
])
def test_cli_prints_one_line_and_exits_nonzero(tmp_path, env, fragment):
    full = {k: v for k, v in os.environ.items() if not k.startswith("ONEGATE_")}
    full.update(env, ONEGATE_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "admin.cli", "db", "upgrade"], cwd=ROOT,
                            env=full, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == result.stderr.strip().splitlines()[0]
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_database_unreachable_is_one_line(tmp_path):
    full = {k: v for k, v in os.environ.items() if not k.startswith("ONEGATE_")}
    full.update(ONEGATE_INSTANCE_PATH=str(tmp_path),
                ONEGATE_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/x")
    result = subprocess.run([sys.executable, "-m", "admin.cli", "db", "upgrade"], cwd=ROOT,
                            env=full, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("onegate: database unreachable (ONEGATE_DATABASE_URL):")
    assert len(result.stderr.strip().splitlines()) == 1
