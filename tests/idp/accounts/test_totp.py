import hashlib
import hmac
import time

import pyotp
import pytest

from idp import recovery_codes, sealing, totp
from idp.errors import InvalidSecondFactor, SealBroken
from idp.models.accounts import Account
from idp.second_factor_keys import SecondFactorKeys
from tests.idp.accounts.factories import login, make_person, second_factor_keys, submit_code


@pytest.fixture
def enrolled(app, unique):
    person = make_person(app, unique, with_totp=True)
    return app.services.sessions, person, second_factor_keys(app)


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


def test_recovery_codes_are_keyed_not_plain_sha256(enrolled):
    """A 50-bit code under a plain hash falls to an exhaustive search of a dump."""
    from sqlalchemy import select

    from idp.models.accounts import RecoveryCode

    factory, person, keys = enrolled
    with factory() as session:
        hashes = set(session.scalars(select(RecoveryCode.code_hash)
                                     .where(RecoveryCode.account_id == person["id"])))
    canonical = [c.replace("-", "") for c in person["recovery_codes"]]
    assert not hashes & {hashlib.sha256(c.encode()).hexdigest() for c in canonical}
    assert hashes == {hmac.new(keys.recovery, c.encode(), hashlib.sha256).hexdigest()
                      for c in canonical}


def test_seed_is_sealed_under_the_kek_and_bound_to_its_account(enrolled):
    factory, person, keys = enrolled
    with factory() as session:
        stored = session.get(Account, person["id"]).totp_secret
    assert person["totp_secret"] not in stored and stored.startswith(totp.SEALED_PREFIX)
    sealed = stored[len(totp.SEALED_PREFIX):]
    aad = b"totp:" + person["sub"].encode()
    assert sealing.unseal(keys.seal, sealed, aad).decode() == person["totp_secret"]
    with pytest.raises(SealBroken):
        sealing.unseal(keys.seal, sealed, b"totp:someone-else")
    other = SecondFactorKeys.from_kek(b"o" * 32)
    with pytest.raises(SealBroken):
        sealing.unseal(other.seal, sealed, aad)


def test_a_seed_sealed_by_version_0_1_opens_once_and_is_resealed(enrolled):
    factory, person, keys = enrolled
    legacy = sealing.seal(keys.legacy_seal, person["totp_secret"].encode(),
                          b"totp:" + person["sub"].encode())
    with factory.begin() as session:
        session.get(Account, person["id"]).totp_secret = legacy
    _verify(factory, person, keys, pyotp.TOTP(person["totp_secret"]).now())
    with factory() as session:
        assert session.get(Account, person["id"]).totp_secret.startswith(totp.SEALED_PREFIX)
    without_legacy = SecondFactorKeys(seal=keys.seal, recovery=keys.recovery, reset=keys.reset)
    with factory.begin() as session:
        session.get(Account, person["id"]).totp_secret = legacy
    with pytest.raises(SealBroken):
        _verify(factory, person, without_legacy, pyotp.TOTP(person["totp_secret"]).now())


def test_rotating_the_secret_key_keeps_authenticators_and_client_secrets(
        app, migrated, tmp_path, unique):
    """ONEGATE_SECRET_KEY signs cookies; the second factor and halls' secrets are keyed
    from the KEK, so a new cookie secret only signs people out of their browsers."""
    from admin.app import create_app
    from idp.clients_cli import NewClient, create
    from tests.conftest import test_settings
    from tests.idp.services import idp_services

    person = make_person(app, unique, with_totp=True)
    with app.app_context(), app.services.sessions.begin() as session:
        _, secret = create(session, NewClient(name="rotation", client_id=f"rot-{unique}",
                                              grant_types=["client_credentials"],
                                              scopes=["openid"]),
                              idp_services(app).client_secrets)
    rotated = create_app(test_settings(migrated, SECRET_KEY="rotated-" + "r" * 40),
                         instance_path=tmp_path / "rotated")
    try:
        browser = rotated.test_client()
        first = login(browser, person["username"])
        assert first.status_code == 302 and first.headers["Location"] == "/login/totp"
        done = submit_code(browser, pyotp.TOTP(person["totp_secret"]).now())
        assert done.status_code == 302 and done.headers["Location"] == "/account"
        grant = browser.post("/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(f"rot-{unique}", secret))
        assert grant.status_code == 200, grant.get_json()
    finally:
        rotated.services.engine.dispose()


def test_provisioning_uri_and_qr_svg():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "alice")
    assert uri.startswith("otpauth://totp/onegate:alice?") and "issuer=onegate" in uri
    svg = totp.qr_svg(uri)
    assert b"<svg" in svg and b"<script" not in svg
