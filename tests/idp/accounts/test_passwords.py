from argon2 import PasswordHasher, Type, extract_parameters

from idp import passwords
from tests.idp.accounts.factories import PASSWORD, login, make_person


def test_hash_uses_owasp_argon2id_parameters():
    params = extract_parameters(passwords.hash_password("s3cret-pass"))
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == \
        (Type.ID, 19456, 2, 1)


def test_verify_accepts_right_and_refuses_wrong_or_malformed():
    stored = passwords.hash_password("s3cret-pass")
    assert passwords.verify_password(stored, "s3cret-pass")
    assert not passwords.verify_password(stored, "s3cret-pasS")
    assert not passwords.verify_password("not-a-hash", "s3cret-pass")
    assert not passwords.verify_password(None, "s3cret-pass")


def test_needs_rehash_when_parameters_differ():
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("x" * 10)
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("x" * 10))


def test_login_rehashes_a_hash_made_with_old_parameters(app, client, unique):
    from idp.models.accounts import Account

    person = make_person(app, unique)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with app.services.sessions.begin() as session:
        session.get(Account, person["id"]).password_hash = weak
    assert login(client, person["username"]).status_code == 302
    with app.services.sessions() as session:
        stored = session.get(Account, person["id"]).password_hash
    assert stored != weak and extract_parameters(stored).memory_cost == 19456
