import pytest

from idp import accounts
from idp.accounts import NewAccount
from idp.errors import DuplicateAccount, InvalidAccountData
from tests.idp.accounts.factories import PASSWORD, citizen_id, make_person, uscc


def _data(unique, **extra):
    values = {"username": f"a{unique}", "password": PASSWORD, "display_name": "某某"}
    values.update(extra)
    return NewAccount(**values)


def _create(app, creator, data):
    with app.services.sessions.begin() as session:
        return creator(session, data)


@pytest.mark.parametrize("value", ["110105194912310021", "11010519491331002X",
                                   "1101051949123100"])
def test_invalid_citizen_id_numbers_are_refused(app, unique, value):
    with pytest.raises(InvalidAccountData) as exc:
        _create(app, accounts.create_person, _data(unique, id_number=value))
    assert exc.value.field == "id_number" and str(exc.value) != "id_number: "


def test_invalid_uscc_is_refused(app, unique):
    with pytest.raises(InvalidAccountData) as exc:
        _create(app, accounts.create_enterprise, _data(unique, uscc="11100000000013338X"))
    assert exc.value.field == "uscc"


def test_person_needs_an_id_number(app, unique):
    with pytest.raises(InvalidAccountData):
        _create(app, accounts.create_person, _data(unique))


def test_duplicates_are_named(app, unique):
    person = make_person(app, unique)
    with pytest.raises(DuplicateAccount) as exc:
        _create(app, accounts.create_person,
                _data(f"x{unique}", id_number=person["id_number"]))
    assert exc.value.field == "id_number"
    with pytest.raises(DuplicateAccount) as exc:
        _create(app, accounts.create_person,
                _data(unique, username=person["username"], id_number=citizen_id()))
    assert exc.value.field == "username"


def test_enterprise_authorises_a_person(app, unique):
    person = make_person(app, unique)
    with app.services.sessions.begin() as session:
        enterprise = accounts.create_enterprise(session, _data(f"e{unique}", uscc=uscc().lower()))
        me = accounts.get_by_sub(session, person["sub"])
        accounts.authorise(session, enterprise, me)
        accounts.authorise(session, enterprise, me)  # idempotent
        assert [e.uscc for e in accounts.enterprises_of(session, me)] == [enterprise.uscc]
        with pytest.raises(InvalidAccountData):
            accounts.authorise(session, me, enterprise)


def test_sub_is_random_urlsafe_22_chars(app, unique):
    person = make_person(app, unique)
    assert len(person["sub"]) == 22 and person["sub"].replace("-", "").replace("_", "").isalnum()


def test_find_by_login_and_get_by_sub(app, unique):
    person = make_person(app, unique)
    with app.services.sessions() as session:
        for text in (person["username"], person["id_number"].lower(),
                     "+86 " + person["phone"][3:], person["phone"][3:]):
            assert accounts.find_by_login(session, text).sub == person["sub"], text
        assert accounts.find_by_login(session, f"nobody{unique}") is None
        assert accounts.get_by_sub(session, person["sub"]).username == person["username"]
        assert accounts.get_by_sub(session, "nope") is None


def test_bad_phone_and_email_are_refused(app, unique):
    with pytest.raises(InvalidAccountData) as exc:
        _create(app, accounts.create_person, _data(unique, id_number=citizen_id(), phone="12345"))
    assert exc.value.field == "phone"
    with pytest.raises(InvalidAccountData) as exc:
        _create(app, accounts.create_person,
                _data(unique, id_number=citizen_id(), email="not-an-email"))
    assert exc.value.field == "email"


def test_new_subjects_never_begin_with_a_dash():
    """An operator passes a sub to the CLI as an argument; "-x..." would read as an option."""
    from idp.accounts import new_sub

    subs = [new_sub() for _ in range(2000)]
    assert all(len(s) == 22 and not s.startswith("-") for s in subs)
    assert len(set(subs)) == 2000
