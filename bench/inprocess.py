"""In-process figures of `make bench`, one thread, printed as JSON: raw ES256 verify and
our verifier on an SD-JWT VC (same key, same run), argon2id at the configured cost and
the password check a login runs. Run it pinned (`taskset -c 0`) like the servers.

    python bench/inprocess.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rate(fn, seconds: float) -> float:
    fn()  # warm-up: first-call caches are not what we measure
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    from argon2 import PasswordHasher, Type

    from bench.verify_throughput import in_process, raw_es256
    from idp import passwords
    from tests.verify.corpus import new_corpus

    results = {}
    corpus = new_corpus()
    results["raw_es256_verify"] = raw_es256(corpus, args.seconds)
    results["inprocess_verify"] = in_process(corpus, corpus.case("valid", "sd_jwt"),
                                             args.seconds)
    bare = PasswordHasher(time_cost=passwords.TIME_COST, memory_cost=passwords.MEMORY_COST_KIB,
                          parallelism=passwords.PARALLELISM, type=Type.ID)
    stored = bare.hash("correct horse battery staple")
    results["argon2id_verify"] = rate(lambda: bare.verify(stored, "correct horse battery "
                                                                  "staple"), args.seconds)
    results["argon2id_params"] = (f"m={passwords.MEMORY_COST_KIB} KiB, t={passwords.TIME_COST}, "
                                  f"p={passwords.PARALLELISM}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
