"""``audit verify``'s work: the keyed chain, every stored checkpoint, and any checkpoint
copies kept outside the database, against each other.

Checks, in order: each stored checkpoint's signature (and that its columns repeat what
it signed); each outside copy's signature; then one pass over the chain, where every
entry must link (``audit.chain.check_link``) and every checkpointed seq must carry the
checkpointed hash; finally no checkpoint may name a seq past the end of the log (the
tail was deleted; an empty log with any checkpoint is all of it), nor may the log end
before a seq the caller saw elsewhere (``at_least``). The first failure is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from audit import chain
from audit import checkpoint as cp
from audit import log as audit_log
from audit import trail as trails
from audit.checkpoints import stored


@dataclass(frozen=True)
class Failure:
    """Where the trail fails (``where``: an entry or a checkpoint) and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"audit trail tampered: {self.where}: {self.reason}"


@dataclass
class Report:
    """What was checked; ``failure`` is None when everything holds."""

    entries: int = 0
    checkpoints: int = 0
    head_seq: int = 0
    failure: Failure | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Expected:
    checkpoint: cp.Checkpoint
    label: str


def verify_trail(session: Session, outside: dict[str, str] | None = None,
                 batch: int = audit_log.BATCH, at_least: int = 0) -> Report:
    """Check the chain, the stored checkpoints and ``outside`` copies (label -> compact
    JWS), and that the log reaches seq ``at_least``. Raises TrailNotConfigured; a trail
    without a signer skips checkpoints."""
    trail = trails.of(session)
    report = Report()
    expected: list[_Expected] = []
    if trail.signer is not None:
        report.failure = (_stored_checkpoints(session, trail.signer, expected, report)
                          or _outside(trail.signer, outside or {}, expected, report))
        if report.failure is not None:
            return report
    elif outside:
        report.failure = Failure("checkpoint", "no checkpoint signer configured to check with")
        return report
    report.failure = _walk(session, trail.chain_key, expected, report, batch)
    if report.failure is None and report.head_seq < at_least:
        report.failure = Failure("end of log", f"the log ends at {report.head_seq} but "
                                               f"was expected at least {at_least} long "
                                               f"(tail truncated)")
    return report


def _stored_checkpoints(session: Session, signer: cp.CheckpointSigner,
                        expected: list[_Expected], report: Report) -> Failure | None:
    for row in stored(session):
        label = f"stored checkpoint #{row.id} (seq {row.seq})"
        try:
            found = cp.from_claims(row.token, signer.verify(row.token))
        except cp.CheckpointKeyRevoked as exc:
            # A revoked key proves nothing either way; the chain and the other
            # checkpoints still do.
            report.warnings.append(f"{label} not used: {exc}")
            continue
        except cp.CheckpointInvalid as exc:
            return Failure(label, f"signature does not verify ({exc}): forged or altered")
        if (found.seq, found.hash) != (row.seq, row.hash):
            return Failure(label, f"stored seq/hash differ from the signed ones "
                                  f"(seq {found.seq}, hash {found.hash[:16]}...)")
        expected.append(_Expected(found, label))
        report.checkpoints += 1
    return None


def _outside(signer: cp.CheckpointSigner, outside: dict[str, str],
             expected: list[_Expected], report: Report) -> Failure | None:
    for label, token in outside.items():
        where = f"checkpoint {label}"
        try:
            found = cp.from_claims(token, signer.verify(token))
        except cp.CheckpointInvalid as exc:
            return Failure(where, f"signature does not verify with our audit keys ({exc})")
        expected.append(_Expected(found, f"{where} (seq {found.seq})"))
        report.checkpoints += 1
    return None


def _walk(session: Session, key: bytes, expected: list[_Expected], report: Report,
          batch: int) -> Failure | None:
    by_seq: dict[int, list[_Expected]] = {}
    for item in expected:
        by_seq.setdefault(item.checkpoint.seq, []).append(item)
    previous = None
    for entry in audit_log.iter_entries(session, batch):
        reason = chain.check_link(entry, previous, key)
        if reason is not None:
            return Failure(f"entry {entry.seq}", reason)
        for item in by_seq.get(entry.seq, ()):
            if entry.hash != item.checkpoint.hash:
                return Failure(f"entry {entry.seq}",
                               f"does not match {item.label} signed "
                               f"{item.checkpoint.at.isoformat()} (entries rewritten)")
        previous = _Link(entry.seq, entry.hash, entry.hash_alg)
        report.entries += 1
    report.head_seq = previous.seq if previous else 0
    reason = chain.check_end(previous)
    if reason is not None:
        return Failure(f"entry {report.head_seq}", reason)
    beyond = [item for item in expected if item.checkpoint.seq > report.head_seq]
    if beyond:
        item = max(beyond, key=lambda e: e.checkpoint.seq)
        if report.head_seq == 0:
            return Failure("end of log", f"the log is empty but {item.label} covers "
                                         f"entries 1..{item.checkpoint.seq}: every "
                                         f"entry was deleted")
        return Failure("end of log", f"{item.label} covers entries up to "
                                     f"{item.checkpoint.seq} but the log ends at "
                                     f"{report.head_seq}: entries {report.head_seq + 1}.."
                                     f"{item.checkpoint.seq} were deleted (tail truncated)")
    return None


@dataclass(frozen=True)
class _Link:
    seq: int
    hash: str
    hash_alg: str
