"""The person sees on ``/account`` what was done about their account, by whom and
where, in Chinese and in English."""

from __future__ import annotations

from tests.idp.accounts.factories import login, make_person
from tests.idp.recovery.helpers import NEW_PASSWORD, cli, enter_code, issue, set_password


def test_account_page_lists_counter_actions_in_both_languages(app, client, unique):
    person = make_person(app, unique)
    issued = issue(app, person["id_number"], hall="越秀区政务服务中心")
    assert enter_code(client, person["username"], issued["code"]).status_code == 303
    assert set_password(client).status_code == 200
    assert cli(app, "users", "lock", person["sub"], "--reason", "核查",
               operator="李四").exit_code == 0
    assert cli(app, "users", "unlock", person["sub"], operator="李四").exit_code == 0
    assert login(client, person["username"], NEW_PASSWORD).status_code == 302

    chinese = client.get("/account", query_string={"ui_locales": "zh-CN"}).get_data(as_text=True)
    assert "越秀区政务服务中心 柜员 王五 核验身份证件后签发了密码重置码。" in chinese
    assert "您使用一次性重置码重置了密码，所有登录已退出。" in chinese
    assert "账号由 李四 锁定。" in chinese and "账号由 李四 解锁。" in chinese
    assert chinese.index("解锁") < chinese.index("签发了密码重置码")  # newest first

    english = client.get("/account", query_string={"ui_locales": "en"}).get_data(as_text=True)
    assert ("Clerk 王五 at 越秀区政务服务中心 issued a password reset code "
            "(ID document checked).") in english
    assert "You set a new password with a one-time code" in english


def test_nobody_else_sees_the_events(app, client, unique):
    person, other = make_person(app, unique + "a"), make_person(app, unique + "b")
    issue(app, person["id_number"])
    assert login(client, other["username"]).status_code == 302
    page = client.get("/account", query_string={"ui_locales": "en"}).get_data(as_text=True)
    assert "issued a password reset code" not in page and "None so far." in page
