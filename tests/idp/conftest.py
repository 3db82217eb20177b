"""Fixtures of the browser tests: Debian's Chromium through Playwright, and a hall's
single-page app (``browser_rp/``) served from its own loopback origin."""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

RP_ROOT = Path(__file__).resolve().parent / "browser_rp"




class _RPHandler(SimpleHTTPRequestHandler):
    """The static RP files plus ``/config.json`` (provider, client, scope)."""

    config: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path.split("?")[0] == "/config.json":
            body = json.dumps(self.config).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):  # keep the test output quiet
        pass


class BrowserRP:
    """The hall app on ``http://127.0.0.1:<port>``; set ``config`` before use."""

    def __init__(self):
        handler = type("Handler", (_RPHandler,), {"config": {}})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler,
                                                                    directory=str(RP_ROOT)))
        self.handler = handler
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return self.origin + "/callback.html"

    @property
    def popup_redirect_uri(self) -> str:
        return self.origin + "/popup-callback.html"

    @property
    def post_logout_uri(self) -> str:
        return self.origin + "/signed-out.html"

    def configure(self, **config) -> None:
        self.handler.config = config


@pytest.fixture
def browser_rp():
    rp = BrowserRP()
    rp.thread.start()
    yield rp
    rp.server.shutdown()
    rp.server.server_close()
