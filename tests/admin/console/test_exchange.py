"""The server-side code exchange against a token endpoint that refuses, stalls or
answers nonsense: a readable failure (ExchangeFailed), never a hang or a 500."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from admin.app import create_app
from admin.console.exchange import ExchangeFailed, HttpTokenExchange
from tests import conftest


class TokenEndpoint(BaseHTTPRequestHandler):
    answers: list = []
    seen: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        TokenEndpoint.seen.append((self.headers.get("Authorization"), body))
        status, payload = TokenEndpoint.answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), TokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    TokenEndpoint.answers, TokenEndpoint.seen = [], []
    yield f"http://127.0.0.1:{server.server_address[1]}/oauth/token"
    server.shutdown()
    server.server_close()


def test_success_sends_pkce_and_basic_auth(endpoint):
    TokenEndpoint.answers.append((200, json.dumps({"id_token": "x"}).encode()))
    exchange = HttpTokenExchange(endpoint, "onegate-console", "s3cret+/=")
    assert exchange("the-code", "the-verifier", "http://x/admin/callback") == {"id_token": "x"}
    authorization, body = TokenEndpoint.seen[0]
    assert authorization.startswith("Basic ")
    assert "code_verifier=the-verifier" in body and "grant_type=authorization_code" in body
    assert "s3cret" not in body  # the secret goes in the header only


@pytest.mark.parametrize("status, payload", [(400, b'{"error": "invalid_grant"}'),
                                             (500, b"<html>"), (200, b"not json")])
def test_refusals_and_nonsense(endpoint, status, payload):
    TokenEndpoint.answers.append((status, payload))
    with pytest.raises(ExchangeFailed):
        HttpTokenExchange(endpoint, "c", "s")("code", "v", "http://x/cb")


def test_unreachable_and_slow_endpoints_fail_within_the_timeout():
    import socket

    with socket.socket() as listener:  # accepts, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/oauth/token"
        with pytest.raises(ExchangeFailed):
            HttpTokenExchange(url, "c", "s", timeout=0.5)("code", "v", "http://x/cb")
    with pytest.raises(ExchangeFailed):
        HttpTokenExchange("http://127.0.0.1:9/oauth/token", "c", "s", timeout=0.5)(
            "code", "v", "http://x/cb")


def test_token_url_setting(migrated, tmp_path):
    app = create_app(conftest.test_settings(
        migrated, CONSOLE_TOKEN_URL="http://10.0.0.5:8000/oauth/token"), instance_path=tmp_path)
    assert app.console_services.exchange.url == "http://10.0.0.5:8000/oauth/token"
    default = create_app(conftest.test_settings(migrated), instance_path=tmp_path)
    assert default.console_services.exchange.url == "http://localhost/oauth/token"
    secret = default.console_services.settings.client_secret
    assert secret not in repr(default.console_services.exchange)
    assert secret not in repr(default.console_services.settings)
    for application in (app, default):
        application.services.engine.dispose()


def test_admin_without_slash_redirects(client):
    answer = client.get("/admin")
    assert answer.status_code in (301, 308) and answer.headers["Location"].endswith("/admin/")
