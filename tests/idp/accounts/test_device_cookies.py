"""Device cookies (OWASP "Slow down online guessing attacks with device cookies"): a
browser that logged in to an account before is exempt from that name's delay, so an
attacker who keeps the name waiting does not keep the person out.

The throttle's clock is frozen in the page tests: the name's wait then never runs out
while a test runs, and every assertion is on counts, never on timing."""

import os
import secrets
import threading
import time

import pytest

from idp.device_cookies import COOKIE, DeviceCookies
from idp.errors import TooManyAttempts
from idp.throttle import Policies, Policy, Throttle
from idp.throttle_stores import MemoryStore, RedisStore, SqlStore
from tests.conftest import redis_or_unavailable

REDIS_URL = os.environ.get("ONEGATE_TEST_DEVICE_REDIS", "redis://127.0.0.1:6379/11")
WRONG = "wrong password!"


def _address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def _redis():
    return redis_or_unavailable(REDIS_URL)


# -- the cookie itself ------------------------------------------------------------------

def test_a_cookie_is_trusted_only_for_its_account_unaltered_and_unexpired():
    now = [1_000_000.0]
    cookies = DeviceCookies(b"k" * 32, max_age=100, clock=lambda: now[0])
    value = cookies.issue("sub-a")
    device = cookies.device_for(value, "sub-a")
    assert device is not None and len(device) == 22
    assert cookies.device_for(value, "sub-b") is None  # another account's
    assert DeviceCookies(b"x" * 32, 100, lambda: now[0]).device_for(value, "sub-a") is None
    device_id, issued, mac = value.split(".")
    other_id = ("B" if device_id[0] == "A" else "A") + device_id[1:]  # always a change
    other_mac = mac[:-2] + ("BB" if mac.endswith("AA") else "AA")
    for forged in (f"{device_id}.{int(issued) + 1}.{mac}", f"{other_id}.{issued}.{mac}",
                   f"{device_id}.{issued}.{other_mac}", "", "...", "a.b.c", "~" * 3000,
                   f"{device_id}.{issued}", f"{device_id}.-1.{mac}", "é.1.é"):
        assert cookies.device_for(forged, "sub-a") is None
    now[0] += 100
    assert cookies.device_for(value, "sub-a") is None  # expired


def test_one_browser_keeps_the_last_accounts_entries():
    cookies = DeviceCookies(b"k" * 32, max_age=100)
    value = cookies.issue("sub-a")
    first = cookies.device_for(value, "sub-a")
    value = cookies.issue("sub-b", value)
    assert cookies.device_for(value, "sub-a") == first
    value = cookies.issue("sub-a", value)  # a new entry replaces the account's old one
    assert cookies.device_for(value, "sub-a") not in (None, first)
    assert len(value.split("~")) == 2
    for n in range(10):
        value = cookies.issue(f"sub-{n}", value)
    assert len(value.split("~")) == 5 and cookies.device_for(value, "sub-9") is not None


# -- the throttle, on every store -------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(params=["memory", "database", "redis"])
def store(request):
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "database":
        yield SqlStore(request.getfixturevalue("app").services.sessions)
    else:
        client = _redis()
        prefix = f"onegate-test:{secrets.token_hex(6)}:"
        yield RedisStore(client, prefix=prefix)
        keys = list(client.scan_iter(prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()


def _admitted(throttle, name, address, device, times):
    admitted = []
    for _ in range(times):
        try:
            admitted.append(throttle.admit(name, address, device))
        except TooManyAttempts:
            admitted.append("refused")
    return admitted


def test_a_trusted_device_skips_the_names_delay_and_has_its_own_budget(store):
    throttle = Throttle(store, clock=Clock())
    throttle.policies = Policies(account=Policy(free=1, max_delay=3600),
                                 device=Policy(free=3, max_delay=0, lock_after=3))
    name, attacker, person = f"username:d{secrets.token_hex(4)}", _address(), _address()
    device = secrets.token_hex(8)
    assert _admitted(throttle, name, attacker, None, 5) == [None] + ["refused"] * 4
    # The name waits; the person's device does not, for exactly its 3 failures ...
    assert _admitted(throttle, name, person, device, 4) == [device] * 3 + ["refused"]
    # ... and then counts as untrusted (the name still waits for those).
    with pytest.raises(TooManyAttempts):
        throttle.admit(name, person, None)
    other = secrets.token_hex(8)  # another device of the person is unaffected
    assert throttle.admit(name, person, other) == other
    throttle.succeeded(name, person, other)
    from idp.throttle import device_key

    assert store.peek([device_key(other)], throttle.clock()) == 0.0


def test_a_trusted_success_does_not_clear_the_names_delay(store):
    """Clearing it would hand the attacker fresh free guesses at every login of the person."""
    throttle = Throttle(store, clock=Clock())
    throttle.policies = Policies(account=Policy(free=1, max_delay=3600))
    name, attacker, person = f"username:d{secrets.token_hex(4)}", _address(), _address()
    device = secrets.token_hex(8)
    throttle.admit(name, attacker)
    assert throttle.admit(name, person, device) == device
    throttle.succeeded(name, person, device)
    with pytest.raises(TooManyAttempts):
        throttle.admit(name, attacker)


def test_trusted_attempts_still_spend_the_addresss_budget(store):
    throttle = Throttle(store, clock=Clock())
    throttle.policies = Policies(ip=Policy(free=3, max_delay=0, lock_after=3))
    address = _address()
    devices = [secrets.token_hex(8) for _ in range(4)]
    results = [_admitted(throttle, f"username:d{secrets.token_hex(4)}", address, d, 1)[0]
               for d in devices]
    assert results == devices[:3] + ["refused"]


# -- the login page, on the database and on Redis ----------------------------------------

@pytest.fixture(params=["database", "redis"])
def device_app(request, migrated, tmp_path, monkeypatch):
    """An app whose per-name delay starts after one wrong password and lasts an hour,
    on a frozen clock (the name never stops waiting during the test), and locks a
    (name, source) or a device cookie after 3 wrong passwords."""
    from admin.app import create_app
    from idp.pages import context
    from tests.conftest import test_settings

    extra = {"LOGIN_DELAY_AFTER": 1, "LOGIN_DELAY_MAX": 3600, "LOGIN_LOCK_AFTER": 3}
    if request.param == "redis":
        _redis().close()
        extra["REDIS_URL"] = REDIS_URL
    application = create_app(test_settings(migrated, **extra), instance_path=tmp_path)
    frozen = time.time()
    monkeypatch.setattr(context, "throttle", lambda services: Throttle(
        services.throttle_store, clock=lambda: frozen,
        policies=services.settings.login_policies))
    yield application
    application.services.engine.dispose()


def _signed_out(client):
    """The browser's single sign-on session ended; its device cookie stays."""
    from idp.sso import COOKIE as SSO_COOKIE

    client.delete_cookie(SSO_COOKIE)
    return client


def _client(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = _address()
    return client


def _hold_the_names_delay(app, name, stop):
    """The attacker: one source posting wrong passwords for ``name`` until ``stop``;
    returns (statuses, first) -- ``first`` is set once its first answer is in."""
    from tests.idp.accounts.factories import login

    statuses, first = [], threading.Event()

    def hammer():
        client = _client(app)
        while not stop.is_set():
            statuses.append(login(client, name, WRONG).status_code)
            first.set()

    thread = threading.Thread(target=hammer)
    thread.start()
    return thread, statuses, first


def test_the_person_with_a_device_cookie_gets_in_while_an_attacker_holds_the_name(
        device_app, unique):
    """The outside review's case: before device cookies, every one of the person's
    attempts was refused with 429 for as long as the attacker kept going."""
    from tests.idp.accounts.factories import login, make_person

    person = make_person(device_app, unique)
    browser = _client(device_app)
    assert login(browser, person["username"]).status_code == 302
    browser.environ_base["REMOTE_ADDR"] = _address()  # the person, elsewhere, later

    stop = threading.Event()
    thread, attacker, started = _hold_the_names_delay(device_app, person["username"], stop)
    try:
        assert started.wait(60)
        answers = [login(_signed_out(browser), person["username"]).status_code
                   for _ in range(5)]
        while len(attacker) < 10:  # the attack goes on throughout
            answers.append(login(_signed_out(browser), person["username"]).status_code)
    finally:
        stop.set()
        thread.join()
    assert set(answers) == {302}
    assert attacker.count(401) == 1 and set(attacker[1:]) == {429}


def test_a_forged_or_other_accounts_device_cookie_gives_no_exemption(device_app, unique):
    from tests.idp.accounts.factories import login, make_person
    from tests.idp.accounts.test_throttle import _message

    person = make_person(device_app, unique)
    other = make_person(device_app, unique + "b")
    browser = _client(device_app)
    assert login(browser, other["username"]).status_code == 302  # a cookie for "other"
    genuine = browser.get_cookie(COOKIE, path="/login").value
    attacker = _client(device_app)
    for name in (person["username"], f"nobody{unique}"):
        assert login(attacker, name, WRONG).status_code == 401  # the names now wait

    device_id, issued, mac = genuine.split(".")
    forged = [genuine, f"{device_id}.{issued}.{mac[:-4]}AAAA",
              DeviceCookies(b"x" * 32, 10**6).issue(person["sub"])]
    answers = []
    for value in forged:
        browser.set_cookie(COOKIE, value, path="/login")
        for name in (person["username"], f"nobody{unique}"):
            response = login(_signed_out(browser), name)
            answers.append((response.status_code, _message(response),
                            response.headers.get("Retry-After")))
    assert {status for status, _, _ in answers} == {429}
    assert len({(message, wait) for _, message, wait in answers}) == 1  # alike for all
    # The other account's own cookie still works for the other account.
    browser.set_cookie(COOKIE, genuine, path="/login")
    assert login(_signed_out(browser), other["username"]).status_code == 302


def test_a_device_cookies_own_failures_lock_that_cookie(device_app, unique):
    from tests.idp.accounts.factories import login, make_person

    person = make_person(device_app, unique)
    browser = _client(device_app)
    assert login(browser, person["username"]).status_code == 302
    stolen = browser.get_cookie(COOKIE, path="/login").value
    assert login(_client(device_app), person["username"], WRONG).status_code == 401

    thief = _client(device_app)
    thief.set_cookie(COOKIE, stolen, path="/login")
    statuses = [login(thief, person["username"], WRONG).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]  # 3 guesses, then untrusted: the name waits
    thief.environ_base["REMOTE_ADDR"] = _address()
    assert login(thief, person["username"]).status_code == 429  # even the right password
    # Another browser of the person is another device, with its own budget.
    laptop = _client(device_app)
    laptop.set_cookie(COOKIE, _new_device_cookie(device_app, person["sub"]), path="/login")
    assert login(laptop, person["username"]).status_code == 302


def _new_device_cookie(app, sub: str) -> str:
    from tests.idp.services import idp_services

    return idp_services(app).device_cookies.issue(sub)


def test_the_cookie_is_http_only_lax_and_scoped_to_login(device_app, unique):
    from tests.idp.accounts.factories import login, make_person

    person = make_person(device_app, unique)
    response = login(_client(device_app), person["username"])
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/login" in header
    assert "Max-Age=15552000" in header and "Secure" not in header  # http issuer in tests


def test_with_a_second_factor_the_cookie_comes_after_it_and_is_trusted_there(
        device_app, unique):
    """Password alone is not a complete login; and an attacker who knows the password
    and keeps the second factor waiting does not keep the person's device out."""
    import pyotp

    from tests.idp.accounts.factories import login, make_person, submit_code

    person = make_person(device_app, unique, with_totp=True)
    browser = _client(device_app)
    first = login(browser, person["username"])
    assert first.status_code == 302 and first.headers["Location"] == "/login/totp"
    assert browser.get_cookie(COOKIE, path="/login") is None
    code = pyotp.TOTP(person["totp_secret"]).now()
    assert submit_code(browser, code).status_code == 302
    assert browser.get_cookie(COOKIE, path="/login") is not None

    attacker = _client(device_app)
    assert login(attacker, person["username"]).status_code == 302
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    assert [submit_code(attacker, wrong).status_code for _ in range(3)] == [401, 429, 429]

    browser.environ_base["REMOTE_ADDR"] = _address()
    assert login(_signed_out(browser), person["username"]).status_code == 302
    assert submit_code(browser, person["recovery_codes"][0]).status_code == 302
    assert [submit_code(attacker, wrong).status_code for _ in range(2)] == [429, 429]


def test_a_correct_password_does_not_refill_a_stolen_cookies_second_factor_guesses(
        device_app, unique):
    """Review finding: password and code spent one device budget and the password's
    success cleared it, so a stolen cookie plus the password gave unlimited guesses at
    the code from changing addresses. The code now has its own device budget."""
    import pyotp

    from tests.idp.accounts.factories import login, make_person, submit_code

    person = make_person(device_app, unique, with_totp=True)
    browser = _client(device_app)
    assert login(browser, person["username"]).headers["Location"] == "/login/totp"
    code = pyotp.TOTP(person["totp_secret"]).now()
    assert submit_code(browser, code).status_code == 302
    stolen = browser.get_cookie(COOKIE, path="/login").value
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    checked = 0
    for _ in range(8):  # each round stays under the device's lock, as an attacker would
        thief = _client(device_app)
        thief.environ_base["REMOTE_ADDR"] = _address()
        thief.set_cookie(COOKIE, stolen, path="/login")
        assert login(thief, person["username"]).status_code == 302
        checked += sum(submit_code(thief, wrong).status_code == 401 for _ in range(2))
    # The fixture's device budget is 3 failures; then the code's name budget (untrusted).
    assert checked <= 6, checked
