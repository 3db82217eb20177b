"""Verifications per second, in process and through POST /api/v1/verify, for the
SD-JWT VC and the offline QR form, beside the raw ES256 verify rate of the same key
measured in the same run.

The API figures use the real app (admin.create_app, a throwaway SQLite database)
served over loopback HTTP by a threaded WSGI server, verifying against an in-memory
trust list and status list so that no catalogue is needed.

    python bench/verify_throughput.py [--seconds 5] [--threads 8]
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._rss import print_rss  # noqa: E402
from tests.verify.corpus import new_corpus  # noqa: E402
from verify.pipeline import Verifier  # noqa: E402
from verify.ratelimit import FixedWindow  # noqa: E402

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


def serve(corpus, workdir: Path) -> tuple[str, object]:
    from werkzeug.serving import make_server

    import verify
    from admin import bootstrap
    from admin.app import create_app
    from audit.models import Base as AuditBase

    app = create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
                      "KEK": base64.urlsafe_b64encode(b"k" * 32).decode(),
                      "SECRET_KEY": "bench-" + "s" * 40, "ISSUER": "http://127.0.0.1",
                      "LOG_LEVEL": "WARNING"}, instance_path=workdir)
    bootstrap.initialise(app)
    if "verify_api" not in app.blueprints:
        verify.init_app(app)
    AuditBase.metadata.create_all(app.extensions["onegate.engine"])
    trust, status = corpus.trust(), corpus.status()
    app.extensions["onegate.verify"] = {
        "trust": trust, "status": status, "limiter": FixedWindow(10**9, 60),
        "verifier": Verifier(trust=trust, status=status, clock=lambda: corpus.now)}
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def through_api(url: str, text: str, seconds: float, threads: int) -> float:
    local = threading.local()
    end = time.perf_counter() + seconds

    def worker() -> int:
        local.session = getattr(local, "session", None) or requests.Session()
        done = 0
        while time.perf_counter() < end:
            response = local.session.post(url + "/api/v1/verify", json={"credential": text})
            assert response.status_code == 200 and response.json()["valid"], response.text
            done += 1
        return done

    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(lambda _: worker(), range(threads)))
    return total / seconds


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
    with tempfile.TemporaryDirectory() as tmp:
        url, server = serve(corpus, Path(tmp))
        try:
            for name, text in forms.items():
                value = through_api(url, text, args.seconds, args.threads)
                print(f"API over HTTP, {name:<10} ({args.threads} client threads): "
                      f"{value:8.0f} /s   {value / raw:6.1%} of raw ES256")
        finally:
            server.shutdown()
    print_rss("bench process: in-process verifier and the threaded test server")


if __name__ == "__main__":
    main()
