"""node-oidc-provider (bench/node/) as a second reference for the token and
introspection rows of `make bench NODE=1`: one Node process pinned to the server's
core, as issue 9's table measured it. Only imported work happens when asked for;
`make bench` without NODE=1 never needs Node.

bench/node/package-lock.json pins oidc-provider and its dependencies; ``npm ci``
installs them into bench/node/node_modules (gitignored) when absent.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests

from bench import harness
from bench.harness import Load

NODE_DIR = Path(__file__).resolve().parent / "node"
CLIENT_ID, SECRET = "bench-client", "bench-node-secret-0123456789abcdef"
FORM = "application/x-www-form-urlencoded"
JWT = "node-oidc-provider (JWT ES256)"
OPAQUE = "node-oidc-provider (opaque)"
INTROSPECT = "node-oidc-provider (introspect opaque)"
#: our row -> the node figures printed beside it (ratio = ours / theirs)
ROWS = {"token": (JWT, OPAQUE), "introspect": (INTROSPECT,)}


def install() -> None:
    """``npm ci`` from the lock file when node_modules is missing; RuntimeError when
    node or npm is not installed."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (apt-get install -y nodejs npm)")
    if not (NODE_DIR / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True,
                       stdout=subprocess.DEVNULL)


def version() -> str:
    out = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    package = json.loads(
        (NODE_DIR / "node_modules" / "oidc-provider" / "package.json").read_text())
    return f"oidc-provider {package['version']} on node {out.stdout.strip()}"


@dataclass
class NodeProvider:
    port: int = field(default_factory=harness.free_port)
    process: subprocess.Popen | None = None
    _introspection: tuple = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> NodeProvider:
        install()
        self.process = subprocess.Popen(
            ["taskset", "-c", harness.SERVER_CORE, "node", "server.js", "--port",
             str(self.port), "--secret", SECRET], cwd=NODE_DIR,
            env={**os.environ, "NODE_ENV": "production"}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        harness.wait_ready(self.url + "/.well-known/openid-configuration", self.process)
        return self

    def loads(self) -> dict[str, Load]:
        """The three requests, each checked once over HTTP first."""
        auth = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        headers = {"Authorization": auth, "Content-Type": FORM}
        opaque_body = urlencode({"grant_type": "client_credentials", "scope": "api"})
        jwt_body = urlencode({"grant_type": "client_credentials", "scope": "api",
                              "resource": "urn:bench:jwt"})
        jwt = requests.post(self.url + "/token", data=jwt_body, headers=headers, timeout=30)
        jwt.raise_for_status()
        assert jwt.json()["access_token"].count(".") == 2, jwt.text
        opaque = requests.post(self.url + "/token", data=opaque_body, headers=headers,
                               timeout=30)
        opaque.raise_for_status()
        introspect_body = urlencode({"token": opaque.json()["access_token"]})
        self._introspection = (introspect_body, headers)
        self.check_active()
        return {JWT: Load(self.url + "/token", "POST", headers, jwt_body),
                OPAQUE: Load(self.url + "/token", "POST", headers, opaque_body),
                INTROSPECT: Load(self.url + "/token/introspection", "POST", headers,
                                 introspect_body)}


    def check_active(self) -> None:
        """The introspected token is still active (checked before and after the runs: a
        store that evicted it would answer a fast ``{"active": false}``)."""
        body, headers = self._introspection
        active = requests.post(self.url + "/token/introspection", data=body,
                               headers=headers, timeout=30).json()
        assert active.get("active") is True, active


def rss_kib(process: subprocess.Popen) -> int | None:
    """Resident set (KiB) of the Node process itself (it has no workers)."""
    try:
        text = Path(f"/proc/{process.pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) if match else None
