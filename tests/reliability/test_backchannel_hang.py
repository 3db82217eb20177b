"""A hall whose back-channel logout endpoint accepts the connection and never answers
delays neither the person's logout nor the logout tokens of other halls, also those
of later logouts: every ordering below is observed while the hanging connection is
still open (no timings are asserted)."""

from __future__ import annotations

import secrets
import socket
import threading
import time

import pytest

from tests.idp.protocol.helpers import (
    auth_params,
    authorize,
    exchange,
    pkce,
    query,
    register,
    signed_in_code,
)
from tests.idp.protocol.test_live_oidc import Receiver

pytestmark = pytest.mark.reliability


class HangingHall:
    """Accepts connections, reads what is sent, never answers; records when each
    connection was opened and when the provider gave up and closed it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/backchannel"
        self.opened: list[float] = []
        self.closed: dict[int, float] = {}
        self.held: list[socket.socket] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.cond:
                self.held.append(conn)
                self.opened.append(time.monotonic())
                index = len(self.opened) - 1
                self.cond.notify_all()
            threading.Thread(target=self._hold, args=(conn, index), daemon=True).start()

    def _hold(self, conn: socket.socket, index: int) -> None:
        with conn:
            try:
                while conn.recv(65536):
                    pass  # read the request, answer nothing
            except OSError:
                pass
        with self.cond:
            self.closed[index] = time.monotonic()
            self.cond.notify_all()

    def wait_opened(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        with self.cond:
            while not self.opened and time.monotonic() < deadline:
                self.cond.wait(timeout=0.1)
        assert self.opened, "the provider never called the hanging hall"

    def first_still_open(self) -> bool:
        with self.cond:
            return bool(self.opened) and 0 not in self.closed

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the provider


@pytest.fixture
def hanging_hall():
    hall = HangingHall()
    yield hall
    hall.close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _browser(app):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = \
        f"10.9.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    return browser


def _id_token(app, browser, unique, reg, *, first: bool) -> str:
    if first:
        code, verifier, _ = signed_in_code(app, browser, unique, reg)
    else:  # single sign-on: the same browser session, another hall
        verifier, challenge = pkce()
        response = authorize(browser, auth_params(reg["client_id"], challenge))
        code = query(response.headers["Location"])["code"]
    return exchange(browser, reg, code, verifier).json["id_token"]


def _logout(browser, id_token: str) -> int:
    return browser.get("/oauth/logout", query_string={"id_token_hint": id_token}).status_code


def test_hanging_hall_delays_neither_logout_nor_other_halls(app, hanging_hall, receiver,
                                                            unique):
    from tests.idp.services import backchannel_worker

    hung = register(app, unique + "h", trusted=True, backchannel_logout_uri=hanging_hall.url)
    other = register(app, unique + "x", trusted=True, backchannel_logout_uri=receiver.url + "/x")
    later = register(app, unique + "y", trusted=True, backchannel_logout_uri=receiver.url + "/y")
    alice, bob = _browser(app), _browser(app)
    alice_hint = _id_token(app, alice, unique + "a", hung, first=True)
    _id_token(app, alice, unique + "a", other, first=False)
    bob_hint = _id_token(app, bob, unique + "b", later, first=True)

    try:
        # Alice's session ends: one hall hangs, the other hears about it at once.
        assert _logout(alice, alice_hint) in (200, 302)
        hanging_hall.wait_opened()
        assert [path for path, _ in receiver.wait_for(1)] == ["/x"]
        assert hanging_hall.first_still_open()

        # Bob logs out while Alice's hall still hangs: his logout returns, and his hall
        # is told, before the hanging delivery gives up.
        assert _logout(bob, bob_hint) in (200, 302)
        assert hanging_hall.first_still_open()
        assert sorted(path for path, _ in receiver.wait_for(2)) == ["/x", "/y"]
        assert hanging_hall.first_still_open(), \
            "a later logout waited for the hanging hall's delivery to time out"
    finally:
        hanging_hall.close()  # the delivery still waiting fails now, inside the test
        worker = backchannel_worker(app)
        if worker is not None:
            worker.stop()
            worker.join(timeout=30)
