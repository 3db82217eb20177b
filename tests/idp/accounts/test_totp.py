import time

import pyotp
import pytest

from idp import recovery_codes, sealing, totp
from idp.errors import InvalidSecondFactor, SealBroken
from idp.models.accounts import Account
from tests.idp.accounts.factories import make_person


@pytest.fixture
def enrolled(app, unique):
    person = make_person(app, unique, with_totp=True)
    key = totp.sealing_key(app.config["SECRET_KEY"])
    return app.extensions["onegate.sessions"], person, key


def _verify(factory, person, key, code, now=None):
    with factory.begin() as session:
        totp.verify_second_factor(session, session.get(Account, person["id"]), key, code, now)


def test_current_code_is_accepted_once(enrolled):
    factory, person, key = enrolled
    code = pyotp.TOTP(person["totp_secret"]).now()
    _verify(factory, person, key, code)
    with pytest.raises(InvalidSecondFactor):
        _verify(factory, person, key, code)


def test_window_is_one_step_each_way(enrolled):
    factory, person, key = enrolled
    generator, now = pyotp.TOTP(person["totp_secret"]), time.time()
    with pytest.raises(InvalidSecondFactor):
        _verify(factory, person, key, generator.at(now + 90), now)
    _verify(factory, person, key, generator.at(now + 30), now)
    # An older step than the last accepted one is a replay even inside the window.
    with pytest.raises(InvalidSecondFactor):
        _verify(factory, person, key, generator.at(now), now)


def test_recovery_code_works_once(enrolled):
    factory, person, key = enrolled
    code = person["recovery_codes"][0]
    assert len(person["recovery_codes"]) == 10 and len(set(person["recovery_codes"])) == 10
    _verify(factory, person, key, code.upper())
    with pytest.raises(InvalidSecondFactor):
        _verify(factory, person, key, code)
    with factory() as session:
        assert recovery_codes.remaining(session, session.get(Account, person["id"])) == 9


def test_recovery_codes_are_stored_hashed(enrolled):
    from sqlalchemy import select

    from idp.models.accounts import RecoveryCode

    factory, person, _ = enrolled
    with factory() as session:
        hashes = set(session.scalars(select(RecoveryCode.code_hash)
                                     .where(RecoveryCode.account_id == person["id"])))
    assert not hashes & set(person["recovery_codes"]) and all(len(h) == 64 for h in hashes)


def test_seed_is_sealed_and_bound_to_its_account(enrolled):
    factory, person, key = enrolled
    with factory() as session:
        stored = session.get(Account, person["id"]).totp_secret
    assert person["totp_secret"] not in stored
    with pytest.raises(SealBroken):
        sealing.unseal(key, stored, b"totp:someone-else")
    with pytest.raises(SealBroken):
        sealing.unseal(totp.sealing_key("another secret key"), stored,
                       b"totp:" + person["sub"].encode())


def test_provisioning_uri_and_qr_svg():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "alice")
    assert uri.startswith("otpauth://totp/onegate:alice?") and "issuer=onegate" in uri
    svg = totp.qr_svg(uri)
    assert b"<svg" in svg and b"<script" not in svg
