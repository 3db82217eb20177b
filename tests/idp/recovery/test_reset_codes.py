"""idp.reset_codes on its own: keyed storage, one live code per account, the clock
passed in, the atomic spend, housekeeping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.idp.accounts.factories import make_person

KEY = b"r" * 32


def _account(session, person):
    from idp.models.accounts import Account

    return session.get(Account, person["id"])


def test_codes_are_keyed_by_account_and_never_stored_in_clear(app, unique):
    from idp import reset_codes
    from idp.models.reset_codes import ResetCode

    person = make_person(app, unique)
    with app.services.sessions.begin() as session:
        account = _account(session, person)
        issued = reset_codes.issue(session, KEY, account, channel="sms", resets_password=True,
                                   resets_totp=False, issued_by="test")
        row = session.scalars(select(ResetCode).where(ResetCode.account_id == account.id)).one()
        assert len(issued.code) == 8 and issued.code.isdigit()
        assert row.code_hash == reset_codes.digest(KEY, account.id, issued.code)
        assert row.code_hash != reset_codes.digest(KEY, account.id + 1, issued.code)
        assert row.code_hash != reset_codes.digest(b"s" * 32, account.id, issued.code)
        assert issued.code not in row.code_hash


def test_check_uses_the_clock_it_is_given(app, unique):
    from edge.timestamps import utcnow
    from idp import reset_codes
    from idp.errors import ResetCodeRejected

    person = make_person(app, unique)
    start = utcnow()
    with app.services.sessions.begin() as session:
        account = _account(session, person)
        issued = reset_codes.issue(session, KEY, account, channel="counter",
                                   resets_password=True, resets_totp=False,
                                   issued_by="test", now=start)
        assert issued.code.count("-") == 1 and len(issued.code) == 11
        ok = reset_codes.check(session, KEY, account, issued.code.upper().replace("-", " "),
                               now=start + timedelta(minutes=14, seconds=59))
        with pytest.raises(ResetCodeRejected) as late:
            reset_codes.check(session, KEY, account, issued.code,
                              now=start + timedelta(minutes=15))
        assert late.value.reason == "expired"
        with pytest.raises(ResetCodeRejected) as spent_late:
            reset_codes.spend(session, ok, now=start + timedelta(minutes=16))
        assert spent_late.value.reason == "expired"
        reset_codes.spend(session, ok, now=start + timedelta(minutes=1))
        with pytest.raises(ResetCodeRejected) as twice:
            reset_codes.spend(session, ok, now=start + timedelta(minutes=2))
        assert twice.value.reason == "used"


def test_issue_refuses_a_code_that_resets_nothing(app, unique):
    from idp import reset_codes

    person = make_person(app, unique)
    with app.services.sessions.begin() as session:
        with pytest.raises(ValueError):
            reset_codes.issue(session, KEY, _account(session, person), channel="counter",
                              resets_password=False, resets_totp=False, issued_by="t")
        with pytest.raises(ValueError):
            reset_codes.issue(session, KEY, _account(session, person), channel="fax",
                              resets_password=True, resets_totp=False, issued_by="t")



def test_housekeeping_sweeps_codes_a_day_after_they_expired(app, unique):
    from edge.sweeps import sweep
    from edge.timestamps import utcnow
    from idp import expiry, reset_codes
    from idp.models.reset_codes import ResetCode

    person = make_person(app, unique)
    now = utcnow()
    with app.services.sessions.begin() as session:
        account = _account(session, person)
        for minutes_ago in (26 * 60, 20 * 60, 0):
            reset_codes.issue(session, KEY, account, channel="counter", resets_password=True,
                              resets_totp=False, issued_by=f"t{unique}",
                              now=now - timedelta(minutes=minutes_ago))
    job = next(j for j in expiry.sweeps(timedelta(days=1), timedelta(days=7),
                                        timedelta(days=30)) if j.kind == "reset_codes")
    assert sweep(app.services.sessions, job, now, batch=10) >= 1
    with app.services.sessions() as session:
        left = session.scalars(select(ResetCode).where(ResetCode.account_id == person["id"]))
        assert sorted(r.voided_at is None for r in left) == [False, True]
