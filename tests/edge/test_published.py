"""Published documents: built once, strong ETag, 304 on a match, rebuilt on change."""

from __future__ import annotations

import threading

import pytest

from edge.published import PublishedDocument, PublishedFamily


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def counting(body=b'{"keys":[]}'):
    state = {"builds": 0, "body": body}

    def build():
        state["builds"] += 1
        return state["body"]

    return state, build


def test_built_once_and_shared_until_the_check_is_due():
    state, build = counting()
    clock = Clock()
    doc = PublishedDocument(build, media_type="application/jwk-set+json", max_age=300,
                            check_every=2, clock=clock)
    first = doc.snapshot()
    for _ in range(100):
        assert doc.snapshot() is first
    assert state["builds"] == 1
    assert dict(first.headers) == {"Content-Type": "application/jwk-set+json; charset=utf-8",
                                   "Cache-Control": "public, max-age=300",
                                   "ETag": first.etag}


def test_a_changed_source_gets_a_new_etag_after_the_check():
    state, build = counting()
    clock = Clock()
    doc = PublishedDocument(build, media_type="application/json", max_age=60,
                            check_every=2, clock=clock)
    old = doc.snapshot().etag
    state["body"] = b'{"keys":[1]}'
    assert doc.snapshot().etag == old  # not due yet
    clock.now += 2.5
    assert doc.snapshot().etag != old
    assert doc.snapshot().body == b'{"keys":[1]}'


def test_a_version_stamp_avoids_rebuilding_an_unchanged_source():
    state, build = counting()
    clock = Clock()
    version = {"v": 1}
    doc = PublishedDocument(build, media_type="application/json", max_age=60,
                            version=lambda: version["v"], check_every=1, clock=clock)
    doc.snapshot()
    for _ in range(5):
        clock.now += 1.5
        doc.snapshot()
    assert state["builds"] == 1
    version["v"] = 2
    clock.now += 1.5
    doc.snapshot()
    assert state["builds"] == 2


def test_invalidate_rebuilds_at_once():
    state, build = counting()
    doc = PublishedDocument(build, media_type="application/json", max_age=60,
                            check_every=3600, version=lambda: 1)
    doc.snapshot()
    doc.invalidate()
    doc.snapshot()
    assert state["builds"] == 2


@pytest.mark.parametrize("header, status", [
    (None, 200), ('"nope"', 200), ("*", 304), ("{etag}", 304), ("W/{etag}", 304),
    ('"a", {etag}', 304),
])
def test_conditional_get(header, status):
    _, build = counting()
    snap = PublishedDocument(build, media_type="application/json", max_age=60).snapshot()
    code, body, headers = snap.answer(header.format(etag=snap.etag) if header else None)
    assert code == status
    assert body == (b"" if status == 304 else snap.body)
    assert ("ETag", snap.etag) in headers
    assert (status == 304) == ("Content-Type" not in dict(headers))


def test_a_failing_build_raises_and_is_retried():
    calls = {"n": 0}

    def build():
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database down")
        return b"{}"

    doc = PublishedDocument(build, media_type="application/json", max_age=60)
    with pytest.raises(ConnectionError):
        doc.snapshot()
    assert doc.snapshot().body == b"{}"


def test_concurrent_first_requests_build_once():
    state, build = counting()
    doc = PublishedDocument(build, media_type="application/json", max_age=60)
    barrier = threading.Barrier(8)

    def hit():
        barrier.wait()
        doc.snapshot()

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert state["builds"] == 1


def test_family_is_bounded_and_drops_the_least_recently_used():
    made = []

    def factory(name):
        made.append(name)
        return PublishedDocument(lambda: name.encode(), media_type="application/json",
                                 max_age=60)

    family = PublishedFamily(factory, limit=3)
    for name in ("a", "b", "c"):
        family.get(name)
    family.get("a")  # a is now the most recent
    family.get("d")  # drops b
    assert len(family) == 3
    family.get("b")
    assert made == ["a", "b", "c", "d", "b"]
