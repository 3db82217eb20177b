"""The real `onegate` command: it never creates an empty instance by accident, and a
command that signs uses the issuer the instance is served under, or refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests

from tests.conftest import free_port, wait_healthy
from tests.credentials.helpers import uscc


def onegate(cwd, *args, **env) -> subprocess.CompletedProcess:
    """Run `onegate ARGS` in ``cwd`` with no ONEGATE_* setting but ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ONEGATE_")}
    clean.update({f"ONEGATE_{k}": str(v) for k, v in env.items()})
    return subprocess.run([sys.executable, "-m", "admin.cli", *args], cwd=cwd, env=clean,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("args", [("users", "list"), ("keys", "list"),
                                  ("licenses", "import", "x.jsonl", "--department", "d")])
def test_outside_the_checkout_a_command_names_the_instance_and_creates_nothing(tmp_path, args):
    (tmp_path / "x.jsonl").write_text("{}\n", encoding="utf-8")
    result = onegate(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path / "instance") in lines[0], result.stderr
    assert "onegate init" in lines[0]
    assert not (tmp_path / "instance").exists()


def test_a_missing_instance_path_setting_is_named_too(tmp_path):
    missing = tmp_path / "nowhere"
    result = onegate(tmp_path, "clients", "list", INSTANCE_PATH=missing)
    assert result.returncode == 2 and str(missing) in result.stderr
    assert not missing.exists()


def test_without_instance_files_to_create_no_instance_folder_is_needed(tmp_path, migrated):
    """Database, key-encryption key and secret all configured: nothing would be created."""
    from tests.conftest import test_settings

    settings = {k: v for k, v in test_settings(migrated).items() if k != "ENV"}
    result = onegate(tmp_path, "keys", "list", "--json", **settings)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)
    assert not (tmp_path / "instance").exists()


def _licence_line() -> str:
    return json.dumps({
        "type": "11100000MB0143028R001", "serial": "IMP000001", "version": 1,
        "holder": {"code_type": "001", "number": uscc("91"), "name": "广州测试科技有限公司"},
        "claims": {"entity_type": "有限责任公司", "legal_representative": "张三",
                   "established": "2019-05-20", "address": "广州市天河区天河路385号",
                   "business_scope": "软件开发。",
                   "registration_authority": "广州市天河区市场监督管理局"}},
        ensure_ascii=False)


def test_signing_commands_use_the_served_issuer_or_refuse(tmp_path):
    """`init` creates the instance (issuer of port 8000); `serve --port P` serves it
    as http://127.0.0.1:P; an import with the defaults would sign under port 8000, so
    it refuses and names both; with the served address it signs under it."""
    created = onegate(tmp_path, "init", "--demo")
    assert created.returncode == 0, created.stderr
    assert "issuer http://127.0.0.1:8000" in created.stdout
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ONEGATE_")}
    server = subprocess.Popen([sys.executable, "-m", "admin.cli", "serve", "--port", str(port),
                               "--workers", "1", "--threads", "2"], cwd=tmp_path, env=clean,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server)
        served = f"http://127.0.0.1:{port}"
        assert requests.get(served + "/.well-known/openid-configuration",
                            timeout=10).json()["issuer"] == served
    finally:
        server.terminate()
        server.wait(timeout=30)
    (tmp_path / "old.jsonl").write_text(_licence_line() + "\n", encoding="utf-8")
    for args in (("licenses", "import", "old.jsonl", "--department", "gdamr"),
                 ("backchannel", "run", "--once"), ("audit", "checkpoint")):
        refused = onegate(tmp_path, *args)
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
        assert served in refused.stderr and "http://127.0.0.1:8000" in refused.stderr
        assert refused.stdout == ""
    listed = onegate(tmp_path, "audit", "list")  # reading signs nothing: not refused
    assert listed.returncode == 0, listed.stderr
    imported = onegate(tmp_path, "licenses", "import", "old.jsonl", "--department", "gdamr",
                       PORT=port)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "1 imported" in imported.stdout
    assert _issuers_of_imports(tmp_path) == [f"{served}/issuers/gdamr"]


def _issuers_of_imports(instance_root) -> list[str]:
    import base64

    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{instance_root / 'instance' / 'onegate.db'}")
    with engine.connect() as conn:
        tokens = conn.execute(text("SELECT sd_jwt FROM credential_licences "
                                   "WHERE serial = 'IMP000001'")).scalars().all()
    engine.dispose()
    payloads = [t.split("~")[0].split(".")[1] for t in tokens]
    return [json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["iss"]
            for p in payloads]
