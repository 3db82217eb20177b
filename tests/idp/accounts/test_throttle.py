import os
import secrets
import threading

import pytest

from idp.errors import ThrottleUnavailable, TooManyAttempts
from idp.throttle import Policies, Policy, RateLimit, Throttle
from idp.throttle_stores import MemoryStore, RedisStore, SqlStore
from tests.conftest import free_port, redis_or_unavailable

REDIS_URL = os.environ.get("ONEGATE_TEST_REDIS", "redis://127.0.0.1:6379/3")


def _address() -> str:
    """A fresh source per test: the database and Redis outlive one test's fake clock."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def _throttle(store):
    clock = Clock()
    return Throttle(store, clock=clock), clock


def _attempts(throttle, name, times, address):
    """Attempts admitted out of ``times`` (each admitted one is a wrong password)."""
    admitted = 0
    for _ in range(times):
        try:
            throttle.admit(name, address)
            admitted += 1
        except TooManyAttempts:
            pass
    return admitted


def test_policy_delays_grow_to_a_cap_and_the_pair_locks():
    policies = Policies()
    assert [policies.account.wait(n) for n in range(1, 13)] == [0, 0, 1, 2, 4, 8, 16, 32,
                                                                 60, 60, 60, 60]
    assert [policies.pair.wait(n) for n in range(1, 12)] == [0] * 9 + [900, 900]
    assert policies.ip.wait(100) == 900 and max(policies.ip.wait(n) for n in range(100)) == 60


@pytest.fixture
def redis_client():
    client = redis_or_unavailable(REDIS_URL)
    yield client
    client.close()


@pytest.fixture(params=["memory", "database", "redis"])
def store(request):
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "database":
        yield SqlStore(request.getfixturevalue("app").services.sessions)
    else:
        client = request.getfixturevalue("redis_client")
        prefix = f"onegate-test:{secrets.token_hex(6)}:"
        yield RedisStore(client, prefix=prefix)
        keys = list(client.scan_iter(prefix + "*"))
        if keys:
            client.delete(*keys)


def test_growing_delay_then_lock_for_that_source_only(store):
    attacker, person = _address(), _address()
    throttle, clock = _throttle(store)
    name = f"username:user-{secrets.token_hex(4)}"
    assert _attempts(throttle, name, 3, attacker) == 3
    with pytest.raises(TooManyAttempts) as exc:  # 3 wrong: wait 1 s
        throttle.admit(name, attacker)
    assert exc.value.retry_after == 1
    for wait in (1, 2, 4, 8, 16, 32, 60):
        clock.now += wait
        assert _attempts(throttle, name, 2, attacker) == 1  # one admitted, the next must wait
    clock.now += 60
    with pytest.raises(TooManyAttempts) as exc:  # 10 from one source: locked there
        throttle.admit(name, attacker)
    assert exc.value.retry_after == 840  # 900 s from the 10th attempt, 60 s ago
    throttle.admit(name, person)  # elsewhere, the person waited at most the 60 s cap
    throttle.succeeded(name, person)
    with pytest.raises(TooManyAttempts):
        throttle.admit(name, attacker)
    clock.now += 841
    throttle.admit(name, attacker)


def test_clerk_unlock_lifts_every_source(store):
    attacker, person = _address(), _address()
    throttle, _ = _throttle(store)
    throttle.policies = Policies(account=Policy(free=100, max_delay=0))
    name, other = f"phone:+8613{secrets.randbelow(10**9):09d}", "username:bystander"
    for address in (attacker, person):
        assert _attempts(throttle, name, 12, address) == 10
    assert _attempts(throttle, other, 12, attacker) == 10
    throttle.unlock([name])
    throttle.admit(name, attacker)
    throttle.admit(name, person)
    with pytest.raises(TooManyAttempts):
        throttle.admit(other, attacker)


def test_concurrent_attempts_never_exceed_the_limit(store):
    attacker = _address()
    """24 threads at once on one (name, source): exactly the pair's limit gets in."""
    throttle, _ = _throttle(store)
    throttle.policies = Policies(account=Policy(free=100, max_delay=0))
    name, results = f"username:c{secrets.token_hex(4)}", []
    start = threading.Barrier(24)

    def attempt():
        start.wait()
        try:
            throttle.admit(name, attacker)
            results.append("admitted")
        except TooManyAttempts:
            results.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("admitted") == 10 and results.count("refused") == 14


def test_rate_limit_holds_per_key(store):
    clock = Clock()
    limit = RateLimit(store, limit=5, window=60, prefix=f"t{secrets.token_hex(3)}:", clock=clock)
    for _ in range(5):
        limit.hit("hall-a")
    with pytest.raises(TooManyAttempts) as exc:
        limit.hit("hall-a")
    assert exc.value.retry_after == 60
    limit.hit("hall-b")
    clock.now += 60
    limit.hit("hall-a")


def test_redis_down_fails_closed():
    attacker = _address()
    import redis

    client = redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/3",
                                  socket_timeout=1, socket_connect_timeout=1)
    throttle = Throttle(RedisStore(client))
    for call in (lambda: throttle.admit("username:x", attacker),
                 lambda: throttle.succeeded("username:x", attacker),
                 lambda: RateLimit(RedisStore(client), 5, 60, "t:").hit("hall")):
        with pytest.raises(ThrottleUnavailable) as exc:
            call()
        assert exc.value.retry_after > 0


def test_success_clears_the_name_but_not_the_address():
    attacker = _address()
    throttle, _ = _throttle(MemoryStore())
    throttle.policies = Policies(ip=Policy(free=3, max_delay=60))
    assert _attempts(throttle, "username:alice", 3, attacker) == 3
    throttle.succeeded("username:alice", attacker)
    with pytest.raises(TooManyAttempts):
        throttle.admit("username:bob", attacker)


def test_unknown_and_known_logins_are_throttled_alike(lock_app, lock_client, unique):
    from tests.idp.accounts.factories import login, make_person

    client, person = lock_client, make_person(lock_app, unique)
    answers = []
    for name in (person["username"], f"nobody{unique}"):
        responses = [login(client, name, "wrong password!") for _ in range(4)]
        answers.append([(r.status_code, _message(r), r.headers.get("Retry-After"))
                        for r in responses])
    # Same statuses, same words; the waits may differ by the second that passed between
    # the two runs on a loaded machine (they count down), never by more.
    assert [(s, m) for s, m, _ in answers[0]] == [(s, m) for s, m, _ in answers[1]]
    assert [w is None for _, _, w in answers[0]] == [w is None for _, _, w in answers[1]]
    for (_, _, known), (_, _, unknown) in zip(*answers, strict=True):
        if known is not None:
            assert abs(int(known) - int(unknown)) <= 1, (known, unknown)
    assert [status for status, _, _ in answers[0]] == [401, 401, 401, 429]
    assert int(answers[0][3][2]) in (899, 900) and "15 分钟" in answers[0][3][1]


def test_every_spelling_of_a_phone_spends_one_budget(lock_app, lock_client, unique):
    from tests.idp.accounts.factories import login, make_person

    client, local = lock_client, make_person(lock_app, unique)["phone"][3:]
    spellings = [local, f"+86 {local[:3]}-{local[3:7]}-{local[7:]}", "0086" + local,
                 local.translate(str.maketrans("0123456789", "０１２３４５６７８９"))]
    statuses = [login(client, text, "wrong password!").status_code for text in spellings]
    assert statuses == [401, 401, 401, 429]


def test_wait_is_said_in_chinese_and_english(lock_client, unique):
    from tests.idp.accounts.factories import login

    client, name = lock_client, f"ghost{unique}"
    for _ in range(3):
        login(client, name, "wrong password!")
    chinese = login(client, name, "wrong password!")
    client.get("/login?ui_locales=en")
    english = login(client, name, "wrong password!", ui_locales="en")
    assert chinese.status_code == english.status_code == 429
    assert _message(chinese) == "尝试次数过多，请等待 15 分钟后再试。"
    assert _message(english) == "Too many attempts. Please wait 15 minutes and try again."


def _message(response) -> str:
    import re

    return re.search(r'role="alert"[^>]*>([^<]+)<', response.get_data(as_text=True)).group(1)


def test_login_with_redis_down_is_a_readable_503_never_a_check(migrated, tmp_path, unique):
    from admin.app import create_app
    from tests.conftest import test_settings as settings_for
    from tests.idp.accounts.factories import login, make_person

    app = create_app(settings_for(migrated, REDIS_URL=f"redis://127.0.0.1:{free_port()}/3"),
                     instance_path=tmp_path)
    person = make_person(app, unique)
    client = app.test_client()
    responses = [login(client, person["username"], "wrong password!") for _ in range(3)]
    responses.append(login(client, person["username"]))
    assert [r.status_code for r in responses] == [503] * 4  # the right one is not let in
    assert all(int(r.headers["Retry-After"]) > 0 for r in responses)
    assert _message(responses[-1]) == "登录服务暂时不可用，请在 30 秒后再试。"
    assert "onegate_sso" not in str(responses[-1].headers)
    app.services.engine.dispose()


def test_honest_logins_from_one_kiosk_never_spend_its_budget(store):
    """Successes are taken back from the address's count: 200 people at one village
    station's kiosk all get in; failures there still count."""
    throttle, _ = _throttle(store)
    kiosk = _address()
    for n in range(200):
        throttle.admit(f"username:citizen{n}", kiosk)
        throttle.succeeded(f"username:citizen{n}", kiosk)
    spent = sum(_attempts(throttle, f"username:guess{n}", 1, kiosk) for n in range(40))
    assert spent == 30  # the address's 30 free failures, then it waits


def test_a_request_stamped_a_moment_earlier_is_not_refused(store):
    """Two workers read the clock, then reach the store in the other order: a key that
    need not wait must not look busy to the earlier-stamped request."""
    key, now = f"pair:{secrets.token_hex(6)}", 1_000_000.0
    policy = Policies().pair
    assert store.hit(key, policy, now + 0.002).admitted
    assert store.hit(key, policy, now).admitted
    assert store.peek([key], now) == 0.0
