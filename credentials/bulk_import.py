"""Bulk import of existing licences from JSON Lines, resumable.

Each line's idempotency key is ``<file sha256>:<line number>`` (scope
``import:<department>``): a re-run after an interruption skips the lines already
stored and imports the rest, so nothing is duplicated and nothing lost. Lines are
stored in batches, one transaction per batch (issuance.issue_many).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from credentials import audit_events, http_input, issuance
from credentials.errors import CredentialsError
from credentials.issuance import Deps
from credentials.issue_request import parse_issue_request

BATCH = 500


@dataclass
class ImportSummary:
    total: int = 0
    imported: int = 0
    skipped: int = 0
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def parse_line(raw: bytes) -> object:
    """A request or the CredentialsError rejecting it."""
    try:
        return parse_issue_request(http_input.parse_json(raw), allow_import_fields=True)
    except CredentialsError as exc:
        return exc


def run(deps: Deps, path: Path, department_code: str, *, batch: int = BATCH,
        progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import ``path`` for the department; ``progress(n)`` after every n lines handled.

    Raises NotFound for an unknown department, OSError for an unreadable file.
    """
    scope, prefix = "import:" + department_code, file_digest(path)
    summary = ImportSummary()
    chunk: list[tuple[int, bytes]] = []
    for item in _lines(path):
        chunk.append(item)
        if len(chunk) >= batch:
            _import_chunk(deps, department_code, scope, prefix, chunk, summary, progress)
            chunk = []
    if chunk:
        _import_chunk(deps, department_code, scope, prefix, chunk, summary, progress)
    return summary


def _import_chunk(deps: Deps, department_code: str, scope: str, prefix: str,
                  chunk: list[tuple[int, bytes]], summary: ImportSummary,
                  progress: Callable[[int], None] | None) -> None:
    keys = [f"{prefix}:{number}" for number, _ in chunk]
    with deps.sessions() as session:
        done = issuance.used_keys(session, scope, keys)
    todo = [(n, raw, k) for (n, raw), k in zip(chunk, keys, strict=True) if k not in done]
    summary.total += len(chunk)
    summary.skipped += len(chunk) - len(todo)
    outcomes = issuance.issue_many(deps, department_code, [parse_line(raw) for _, raw, _ in todo],
                                   scope=scope, keys_=[k for _, _, k in todo], chunk=len(todo) or 1,
                                   actor=scope, action=audit_events.IMPORT)
    for (number, _, _), outcome in zip(todo, outcomes, strict=True):
        if outcome.error is not None:
            reasons = [f"{e.field}: {e.reason}" for e in outcome.error.errors] or [
                outcome.error.detail or outcome.error.title]
            summary.rejected.append((number, reasons))
        elif outcome.replayed:
            summary.skipped += 1
        else:
            summary.imported += 1
    if progress is not None:
        progress(len(chunk))
