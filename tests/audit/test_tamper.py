"""The attacks of issue 8 item 6 against the audit trail, each through `onegate audit
verify`: rewriting a row and recomputing the chain (unkeyed, or with a wrong key),
deleting the tail after a checkpoint, forging a checkpoint, rewriting legacy entries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select, text

from audit import chain, checkpoints, log
from audit.keying import derive_chain_key
from audit.models import AuditCheckpoint, AuditEntry
from audit.trail import of
from tests.audit.conftest import run_cli


def _append(sessions, n, start=0):
    for i in range(start, start + n):
        with sessions.begin() as session:
            log.append(session, actor="client:hall", action="licence.verify",
                       subject=f"lic-{i}", data={"i": i, "结果": "valid"})


def _cli(sessions, *args):
    return run_cli(sessions, *args)


def _checkpoint(sessions) -> AuditCheckpoint:
    with sessions.begin() as session:
        return checkpoints.make(session, of(session), force=True)


def _rows(sessions):
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _recompute_from(sessions, start, digest, hash_alg=None):
    """What an attacker with only the database does: rewrite the links from ``start``."""
    rows = _rows(sessions)
    prev = rows[start - 2].hash if start > 1 else chain.GENESIS
    with sessions.begin() as session:
        for row in rows[start - 1:]:
            new = digest(row.seq, prev, row.at, row.actor, row.action, row.subject, row.data)
            session.execute(text("UPDATE audit_entries SET prev_hash = :p, hash = :h, "
                                 "hash_alg = :a WHERE seq = :s"),
                            {"p": prev, "h": new, "a": hash_alg or row.hash_alg, "s": row.seq})
            prev = new


def _edit(sessions, seq):
    with sessions.begin() as session:
        session.execute(text("UPDATE audit_entries SET actor = 'client:mallory' WHERE seq = :s"),
                        {"s": seq})


def test_edit_and_recompute_the_old_unkeyed_way_is_detected(sessions):
    _append(sessions, 6)
    assert _cli(sessions, "verify").exit_code == 0
    _edit(sessions, 3)
    _recompute_from(sessions, 3, chain.entry_hash)  # the attack, as before
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1, broken.output
    assert "audit trail tampered: entry 3: stored hash does not match" in broken.output


def test_recomputed_chain_labelled_legacy_is_detected(sessions):
    _append(sessions, 6)
    _edit(sessions, 4)
    _recompute_from(sessions, 4, chain.entry_hash, hash_alg=chain.LEGACY)
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1
    assert "entry 4: unkeyed entry after keyed ones" in broken.output


def test_whole_log_rewritten_as_legacy_is_detected(sessions):
    _append(sessions, 4)
    with sessions.begin() as session:
        session.execute(text("DELETE FROM audit_checkpoints"))
    _edit(sessions, 2)
    _recompute_from(sessions, 1, chain.entry_hash, hash_alg=chain.LEGACY)
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1
    assert "entry 4: the log ends with unkeyed entries and no keyed start" in broken.output


def test_edit_and_recompute_with_a_wrong_key_is_detected(sessions):
    _append(sessions, 6)
    _edit(sessions, 2)
    wrong = derive_chain_key(b"w" * 32)
    _recompute_from(sessions, 2, lambda *f: chain.entry_mac(wrong, *f))
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1
    assert "audit trail tampered: entry 2:" in broken.output


def test_deleting_the_tail_a_checkpoint_covered_is_detected(sessions):
    _append(sessions, 6)
    assert _checkpoint(sessions).seq == 6
    with sessions.begin() as session:
        session.execute(text("DELETE FROM audit_entries WHERE seq > 4"))
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1
    assert "end of log" in broken.output and "entries 5..6 were deleted" in broken.output


def test_deleting_the_tail_and_its_checkpoints_is_found_by_a_copy_kept_outside(
        sessions, tmp_path):
    _append(sessions, 5)
    _checkpoint(sessions)
    shown = _cli(sessions, "checkpoint", "--show")
    assert shown.exit_code == 0, shown.output
    copy = tmp_path / "checkpoint.json"
    copy.write_text(shown.output)
    assert json.loads(shown.output)["seq"] == 5
    with sessions.begin() as session:
        session.execute(text("DELETE FROM audit_checkpoints"))
        session.execute(text("DELETE FROM audit_entries WHERE seq > 3"))
    # The database alone now looks whole: that is why others keep copies.
    assert _cli(sessions, "verify").exit_code == 0
    broken = _cli(sessions, "verify", "--checkpoint", str(copy))
    assert broken.exit_code == 1
    assert f"checkpoint {copy} (seq 5)" in broken.output and "4..5 were deleted" in broken.output
    bare = tmp_path / "bare.jws"
    bare.write_text(json.loads(shown.output)["checkpoint"] + "\n")
    assert _cli(sessions, "verify", "--checkpoint", str(bare)).exit_code == 1


def test_a_rewritten_entry_a_checkpoint_covered_is_named(sessions, tmp_path):
    _append(sessions, 4)
    _checkpoint(sessions)
    # Even with the chain key (an insider with the KEK), the signed head pins the entries.
    key = derive_chain_key(b"a" * 32)
    _edit(sessions, 4)
    _recompute_from(sessions, 4, lambda *f: chain.entry_mac(key, *f))
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1
    assert "entry 4: does not match stored checkpoint" in broken.output


def _forge(token: str, claims: dict | None = None) -> str:
    header = jwt.get_unverified_header(token)
    body = claims or jwt.decode(token, options={"verify_signature": False})
    other = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode(body, other, algorithm="ES256", headers=header)


def test_forged_checkpoint_signature_is_detected(sessions, tmp_path):
    _append(sessions, 3)
    row = _checkpoint(sessions)
    with sessions.begin() as session:
        session.execute(text("UPDATE audit_checkpoints SET token = :t WHERE id = :i"),
                        {"t": _forge(row.token), "i": row.id})
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1
    assert f"stored checkpoint #{row.id} (seq 3): signature does not verify" in broken.output


def test_forged_outside_copy_is_detected(sessions, tmp_path):
    _append(sessions, 3)
    row = _checkpoint(sessions)
    claims = jwt.decode(row.token, options={"verify_signature": False})
    forged = tmp_path / "forged.jws"
    forged.write_text(_forge(row.token, {**claims, "seq": 2}))
    broken = _cli(sessions, "verify", "--checkpoint", str(forged))
    assert broken.exit_code == 1
    assert "signature does not verify with our audit keys" in broken.output


def test_checkpoint_columns_must_repeat_what_was_signed(sessions):
    _append(sessions, 3)
    row = _checkpoint(sessions)
    with sessions.begin() as session:
        session.execute(text("UPDATE audit_checkpoints SET seq = 2 WHERE id = :i"),
                        {"i": row.id})
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1 and "differ from the signed ones" in broken.output


def test_unreadable_checkpoint_copies_are_usage_errors(sessions, tmp_path):
    _append(sessions, 1)
    missing = _cli(sessions, "verify", "--checkpoint", str(tmp_path / "none.json"))
    assert missing.exit_code == 2 and "--checkpoint" in missing.output
    junk = tmp_path / "junk.json"
    junk.write_text('{"not": "a checkpoint"}')
    bad = _cli(sessions, "verify", "--checkpoint", str(junk))
    assert bad.exit_code == 2 and "no compact JWS" in bad.output


def test_checkpoints_are_written_every_n_entries_and_after_the_interval(sessions, trail):
    from dataclasses import replace

    from audit.trail import bind

    bind(sessions, replace(trail, checkpoint_every=3))
    _append(sessions, 7)
    with sessions() as session:
        assert [c.seq for c in checkpoints.stored(session)] == [1, 4, 7]
    later = datetime.now(UTC) + timedelta(hours=2)
    with sessions.begin() as session:
        log.append(session, actor="a", action="b", subject="c", at=later)
    with sessions() as session:
        assert [c.seq for c in checkpoints.stored(session)] == [1, 4, 7, 8]
    assert _cli(sessions, "verify").output.startswith("audit trail intact: 8 entries, 4 checkp")


def test_checkpoint_command_signs_the_head_once(sessions):
    assert "log is empty" in _cli(sessions, "checkpoint").output
    assert _cli(sessions, "checkpoint", "--show").exit_code == 1
    _append(sessions, 1)
    with sessions.begin() as session:  # drop the automatic one: a head to sign by hand
        session.execute(text("DELETE FROM audit_checkpoints"))
    made = _cli(sessions, "checkpoint")
    assert made.exit_code == 0 and "checkpoint at seq 1 signed by" in made.output
    assert "checkpoint at seq 1 is current" in _cli(sessions, "checkpoint").output


def _legacy_log(sessions, n):
    """Entries as today's code writes them: bare SHA-256 links."""
    prev = chain.GENESIS
    at = datetime(2025, 1, 1, tzinfo=UTC)
    with sessions.begin() as session:
        for seq in range(1, n + 1):
            digest = chain.entry_hash(seq, prev, at, "system", "legacy", f"s{seq}", {})
            session.add(AuditEntry(seq=seq, at=at, actor="system", action="legacy",
                                   subject=f"s{seq}", data={}, prev_hash=prev, hash=digest,
                                   hash_alg=chain.LEGACY))
            prev = digest


def test_legacy_entries_are_sealed_not_rekeyed(sessions):
    _legacy_log(sessions, 3)
    unsealed = _cli(sessions, "verify")
    assert unsealed.exit_code == 1 and "no keyed start seals them" in unsealed.output
    legacy_hashes = [r.hash for r in _rows(sessions)]
    _append(sessions, 2)
    rows = _rows(sessions)
    assert [r.hash for r in rows[:3]] == legacy_hashes  # untouched, not laundered
    assert rows[3].action == chain.KEYED_START and rows[3].hash_alg == chain.KEYED
    assert rows[3].data == {"legacy_entries": 3, "legacy_head": legacy_hashes[-1]}
    assert _cli(sessions, "verify").exit_code == 0
    # From the seal on, rewriting a legacy entry (and its legacy successors) is found.
    _edit(sessions, 2)
    _recompute_from_legacy(sessions, 2, 3)
    broken = _cli(sessions, "verify")
    assert broken.exit_code == 1
    assert "entry 4: first keyed entry does not seal the legacy entries" in broken.output


def _recompute_from_legacy(sessions, start, end):
    rows = _rows(sessions)
    prev = rows[start - 2].hash
    with sessions.begin() as session:
        for row in rows[start - 1:end]:
            new = chain.entry_hash(row.seq, prev, row.at, row.actor, row.action, row.subject,
                                   row.data)
            session.execute(text("UPDATE audit_entries SET prev_hash = :p, hash = :h "
                                 "WHERE seq = :s"), {"p": prev, "h": new, "s": row.seq})
            prev = new
        session.execute(text("UPDATE audit_entries SET prev_hash = :p WHERE seq = :s"),
                        {"p": prev, "s": end + 1})


def test_an_unbound_session_never_writes_an_unkeyed_entry(audit_engine):
    import pytest
    from sqlalchemy.orm import sessionmaker

    from audit.trail import TrailNotConfigured

    with pytest.raises(TrailNotConfigured), sessionmaker(audit_engine).begin() as session:
        log.append(session, actor="a", action="b", subject="c")


def test_checkpoints_of_a_revoked_audit_key_are_set_aside_with_a_warning(sessions, ring):
    _append(sessions, 2)
    row = _checkpoint(sessions)
    ring.revoke(row.kid)
    _append(sessions, 1, start=2)
    made = _checkpoint(sessions)
    assert made.kid != row.kid  # a fresh audit key signs from now on
    result = _cli(sessions, "verify")
    assert result.exit_code == 0, result.output
    assert f"stored checkpoint #{row.id} (seq {row.seq}) not used" in result.output
    assert "3 entries, 1 checkpoints verified" in result.output
