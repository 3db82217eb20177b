"""Bulk import of existing licences from JSON Lines, resumable and idempotent.

A licence is known by its content key (department, serial, version), never by the
file it came in or its line number: every line must carry its ``serial``
(``version`` defaults to 1). Each batch of lines is checked against the stored
licences in bulk (a few queries per batch, not one per line); lines already stored
with the same content are skipped, lines whose key was stored with other content
are rejected, the rest are stored one transaction per batch (issuance.issue_many).
So a re-run after an interruption, a fixed file, or a partial copy of an imported
file imports exactly what is missing. The unique index on (department_code,
serial, version) keeps it true when two imports of the same file race: the loser
of a race finds the winner's licence and counts it as already imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from credentials import audit_events, http_input, issuance
from credentials.errors import CredentialsError, FieldError, IdempotencyKeyReused, ValidationFailed
from credentials.issuance import Deps, Outcome
from credentials.issue_request import IssueRequest, parse_issue_request
from credentials.models import Licence
from credentials.signing_pool import SigningPool

BATCH = 500
_IN_CHUNK = 500


@dataclass
class ImportSummary:
    total: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def parse_line(raw: bytes) -> IssueRequest | CredentialsError:
    """A request with its serial, or the CredentialsError rejecting it."""
    try:
        request = parse_issue_request(http_input.parse_json(raw), allow_import_fields=True)
    except CredentialsError as exc:
        return exc
    if request.serial is None:
        return ValidationFailed("an imported licence needs its serial",
                                [FieldError("serial", "required")])
    return request


def content_key(request: IssueRequest) -> str:
    """``<serial>.<version>`` (version 3 digits): the idempotency key within a department."""
    return f"{request.serial}.{request.version or issuance.FIRST_VERSION:03d}"


def run(deps: Deps, path: Path, department_code: str, *, batch: int = BATCH,
        progress: Callable[[int], None] | None = None,
        workers: int | None = 0) -> ImportSummary:
    """Import ``path`` for the department; ``progress(n)`` after every n lines handled.

    ``workers``: processes that sign (credentials.signing_pool; None: one per CPU,
    0: sign in this process). Raises NotFound for an unknown department, OSError for
    an unreadable file.
    """
    if workers is None:
        workers = os.cpu_count() or 1
    if workers > 0 and deps.signing_pool is None:
        with SigningPool(workers) as pool:
            return run(replace(deps, signing_pool=pool), path, department_code, batch=batch,
                       progress=progress, workers=0)
    summary = ImportSummary()
    # A pipeline of two: while this thread stores batch k (signing, COPY, commit), a
    # helper parses and checks batch k+1 (reads only). A line whose content key batch
    # k stores meanwhile is caught by the unique indexes when k+1 is stored, and
    # counted as it would have been (already imported, or refused).
    with ThreadPoolExecutor(1, thread_name_prefix="onegate-import-check") as helper:
        ahead: Future[_CheckedChunk] | None = None
        for chunk in _chunks(path, batch):
            checked = helper.submit(_check_chunk, deps, department_code, chunk)
            if ahead is not None:
                _store_chunk(deps, department_code, ahead.result(), summary, progress)
            ahead = checked
        if ahead is not None:
            _store_chunk(deps, department_code, ahead.result(), summary, progress)
    return summary


def _chunks(path: Path, batch: int) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for item in _lines(path):
        chunk.append(item)
        if len(chunk) >= batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class _CheckedChunk:
    size: int
    results: dict[int, Outcome]
    todo: list[int]
    checked: issuance.Checked | None


def _check_chunk(deps: Deps, department_code: str,
                 chunk: list[tuple[int, bytes]]) -> _CheckedChunk:
    """Parse and check a batch of lines; writes nothing."""
    scope = "import:" + department_code
    lines = [(number, parse_line(raw)) for number, raw in chunk]
    keys = {content_key(r) for _, r in lines if isinstance(r, IssueRequest)}
    with deps.sessions() as session:
        taken = _stored_keys(session, department_code, keys)
        earlier = issuance.earlier_requests(session, scope, keys & taken, licences_too=False)
    results: dict[int, Outcome] = {}
    todo: list[tuple[int, IssueRequest | CredentialsError]] = []
    for number, request in lines:
        known = _known(request, taken, earlier)
        if known is None:
            todo.append((number, request))
        else:
            results[number] = known
    checked = issuance.check_many(
        deps, department_code, [r for _, r in todo], scope=scope,
        keys_=[content_key(r) if isinstance(r, IssueRequest) else None for _, r in todo]
    ) if todo else None
    return _CheckedChunk(len(chunk), results, [number for number, _ in todo], checked)


def _store_chunk(deps: Deps, department_code: str, chunk: _CheckedChunk,
                 summary: ImportSummary, progress: Callable[[int], None] | None) -> None:
    scope = "import:" + department_code
    results = dict(chunk.results)
    if chunk.checked is not None:
        outcomes = issuance.store_checked(deps, chunk.checked, chunk=len(chunk.todo),
                                          actor=scope, action=audit_events.IMPORT)
        results.update(zip(chunk.todo, outcomes, strict=True))
    for number in sorted(results):
        _count(summary, number, results[number])
    summary.total += chunk.size
    if progress is not None:
        progress(chunk.size)


def _stored_keys(session: Session, department_code: str, keys: set[str]) -> set[str]:
    """The content keys among ``keys`` that the department's licences already use."""
    serials = sorted({key.rsplit(".", 1)[0] for key in keys})
    found: set[str] = set()
    for start in range(0, len(serials), _IN_CHUNK):
        found |= {f"{serial}.{version}" for serial, version in session.execute(
            select(Licence.serial, Licence.version).where(
                Licence.department_code == department_code,
                Licence.serial.in_(serials[start:start + _IN_CHUNK])))}
    return found & keys


def _known(request: IssueRequest | CredentialsError, taken: set[str],
           earlier: dict[str, tuple[str, Licence | None]]) -> Outcome | None:
    """The outcome of a line whose content key is already stored; None for a new one."""
    if not isinstance(request, IssueRequest) or content_key(request) not in taken:
        return None
    found = earlier.get(content_key(request))
    if found is not None and found[0] == issuance.request_hash(request):
        return Outcome(licence=found[1], replayed=True)
    # Stored with other content, or issued otherwise: never a second licence.
    reason = "already_imported" if found is not None else "serial_taken"
    return Outcome(error=ValidationFailed("serial and version are already used",
                                          [FieldError("serial", reason)]))


def _count(summary: ImportSummary, number: int, outcome: Outcome) -> None:
    error = outcome.error
    if isinstance(error, IdempotencyKeyReused):  # lost a race to other content
        error = ValidationFailed(errors=[FieldError("serial", "already_imported")])
    if error is not None:
        reasons = [f"{e.field}: {e.reason}" for e in error.errors] or [
            error.detail or error.title]
        summary.rejected.append((number, reasons))
    elif outcome.replayed:
        summary.skipped += 1
    else:
        summary.imported += 1
