"""Verifications per second in process, for the SD-JWT VC and the offline QR form,
beside the raw ES256 verify rate of the same key measured in the same run (over HTTP:
bench/http_bench.py, `make bench ONLY=verify`).

    python bench/verify_throughput.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._rss import print_rss  # noqa: E402
from tests.verify.corpus import new_corpus  # noqa: E402
from verify.pipeline import Verifier  # noqa: E402

TARGET_RATIO = 0.5


def rate(fn, seconds: float) -> float:
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(50):
            fn()
        count += 50
    return count / seconds


def raw_es256(corpus, seconds: float) -> float:
    key = corpus.active.private
    data = b"x" * 600
    signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
    public = key.public_key()
    return rate(lambda: public.verify(signature, data, ec.ECDSA(hashes.SHA256())), seconds)


def in_process(corpus, text: str, seconds: float) -> float:
    verifier = Verifier(trust=corpus.trust(), status=corpus.status(), clock=lambda: corpus.now)
    assert verifier.verify(text).valid
    return rate(lambda: verifier.verify(text), seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    corpus = new_corpus()
    forms = {"SD-JWT VC": corpus.case("valid", "sd_jwt"),
             "offline QR": corpus.case("valid", "offline")}
    raw = raw_es256(corpus, args.seconds)
    print(f"raw ES256 verify (cryptography, same key, 1 thread): {raw:10.0f} /s")
    for name, text in forms.items():
        value = in_process(corpus, text, args.seconds)
        verdict = "met" if value / raw >= TARGET_RATIO else "MISSED"
        print(f"in process, {name:<10} (1 thread):             {value:10.0f} /s"
              f"   {value / raw:6.1%} of raw ES256 (target {TARGET_RATIO:.0%}: {verdict})")
    # Over HTTP, served the way it is in production, beside a bare ES256 route:
    # bench/http_bench.py (`make bench ONLY=verify`).
    print_rss("bench process: in-process verifier")


if __name__ == "__main__":
    main()
