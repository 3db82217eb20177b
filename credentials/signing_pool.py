"""Signing both forms of many licences in a pool of processes (bulk import).

The parent checks requests, reserves status slots and writes rows; the workers do
the CPU work that is the same for every licence (SD-JWT disclosures and salts, CBOR,
zlib, Base45, two ES256 signatures). Key handling (SECURITY.md, "Key handling"):
the department's decrypted private key reaches a worker only through the pool's
``initializer`` arguments, as PKCS#8 DER bytes in memory (pickled over the pipe
multiprocessing opens to a freshly spawned child); it is never written to a file,
an environment variable or a command line, and it dies with the worker when the
pool is shut down (at the end of the import, or as soon as the department's signer
changes: a pool signs for one kid only). The parent decides before every batch
whether the department may sign (``IssuerCache.signer``: a revocation stops the
next batch), so a worker never signs anything the parent did not submit.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from credentials import signing

#: The worker's key, set by ``_init`` (module state of the worker process only).
_worker_signer: Any = None

#: Jobs per round trip to a worker.
CHUNK = 64


def _init(kid: str, alg: str, der: bytes) -> None:
    from keys import Signer
    from keys.algorithms import private_key_from_der

    global _worker_signer
    _worker_signer = Signer(kid=kid, alg=alg, private_key=private_key_from_der(der))


def _sign(jobs: list[tuple[signing.LicenceFacts, Any, dict[str, Any]]]) -> list[tuple[str, str]]:
    out = []
    for facts, licence_type, where in jobs:
        out.append((signing.issue_sd_jwt(facts, licence_type, _worker_signer, **where),
                    signing.issue_offline(facts, licence_type, _worker_signer, **where)))
    return out


def sign_here(signer: Any, jobs: list[tuple[signing.LicenceFacts, Any, dict[str, Any]]]
              ) -> list[tuple[str, str]]:
    """The same work in this process: (SD-JWT, offline text) per job."""
    return [(signing.issue_sd_jwt(f, t, signer, **w), signing.issue_offline(f, t, signer, **w))
            for f, t, w in jobs]


class SigningPoolBroken(RuntimeError):
    """A signing process died while the pool signed: the batch in progress failed as a
    whole (never a CredentialsError, so no caller retries it item by item)."""


class SigningPool:
    """``workers`` spawned processes signing for one signer at a time. Use as a context
    manager; ``sign`` raises what the signing functions raise (ValueError), and
    SigningPoolBroken when a worker process dies."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("a signing pool needs at least one worker")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._kid: str | None = None

    def __enter__(self) -> SigningPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._kid = None, None

    def sign(self, signer: Any, jobs: list[tuple[signing.LicenceFacts, Any, dict[str, Any]]]
             ) -> list[tuple[str, str]]:
        """(SD-JWT, offline text) per job, in order, signed by ``signer``'s key."""
        return self.submit(signer, jobs)()

    def submit(self, signer: Any, jobs: list[tuple[signing.LicenceFacts, Any, dict[str, Any]]]
               ) -> Callable[[], list[tuple[str, str]]]:
        """Start signing; the returned function waits for and returns ``sign``'s result,
        so the caller can do other work meanwhile."""
        if self._kid != signer.kid or self._pool is None:
            self.close()
            from keys.algorithms import private_key_to_der

            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init,
                initargs=(signer.kid, signer.alg, private_key_to_der(signer.private_key)))
            self._kid = signer.kid
        pool = self._pool
        try:
            futures = [pool.submit(_sign, jobs[i:i + CHUNK])
                       for i in range(0, len(jobs), CHUNK)]
        except BrokenProcessPool as exc:
            raise self._broken() from exc

        def results() -> list[tuple[str, str]]:
            try:
                return [pair for future in futures for pair in future.result()]
            except BrokenProcessPool as exc:
                raise self._broken() from exc

        return results

    def _broken(self) -> SigningPoolBroken:
        """A worker died (killed, out of memory, crashed): the pool is shut down (a
        later submit starts a new one) and the caller's transaction must not commit."""
        self.close()
        return SigningPoolBroken("a signing process died; nothing of the batch in "
                                 "progress was stored")
