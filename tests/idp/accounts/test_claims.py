from idp import accounts
from idp.accounts import NewAccount
from tests.idp.accounts.factories import PASSWORD, make_person, uscc


def _person(app, unique):
    facts = make_person(app, unique)
    with app.services.sessions() as session:
        return accounts.get_by_sub(session, facts["sub"]), facts


def test_openid_alone_gives_only_sub(app, unique):
    person, facts = _person(app, unique)
    assert accounts.claims_for(person, ["openid"]) == {"sub": facts["sub"]}


def test_profile_email_phone(app, unique):
    person, facts = _person(app, unique)
    claims = accounts.claims_for(person, ["openid", "profile", "email", "phone"])
    assert claims["name"] == "张三" and claims["preferred_username"] == facts["username"]
    assert claims["account_kind"] == "person" and claims["locale"] == "zh-CN"
    assert isinstance(claims["updated_at"], int)
    assert claims["email"] == f"p{unique}@example.cn" and claims["email_verified"] is False
    assert claims["phone_number"].startswith("+861") and claims["phone_number_verified"] is False
    assert "cn_id_number" not in claims


def test_identity_scope_releases_the_national_identifier(app, unique):
    person, facts = _person(app, unique)
    assert accounts.claims_for(person, ["identity"]) == {
        "sub": facts["sub"], "cn_id_number": facts["id_number"]}
    with app.services.sessions.begin() as session:
        enterprise = accounts.create_enterprise(session, NewAccount(
            username=f"e{unique}", password=PASSWORD, display_name="某公司", uscc=uscc()))
    claims = accounts.claims_for(enterprise, ["profile", "identity", "email"])
    assert claims["cn_uscc"] == enterprise.uscc and claims["account_kind"] == "enterprise"
    assert "email" not in claims and "cn_id_number" not in claims
