"""Requests fired at the same instant, for the tests of races (a code redeemed twice,
a throttle hit from many connections at once)."""

from __future__ import annotations

import threading

import requests


def concurrently(calls) -> list:
    """Run each ``(prepare, fire)`` at the same instant after its set-up, one thread
    each: ``fire(prepare())``. A transport error is returned in place of the response
    (and shown in the failing assertion)."""
    results, start = [None] * len(calls), threading.Barrier(len(calls))

    def run(index, prepare, fire):
        state = prepare()
        start.wait()
        try:
            results[index] = fire(state)
        except requests.RequestException as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, *c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
