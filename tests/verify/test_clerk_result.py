"""The verifier's result tells a clerk what to do: when the check was made, that it was
online against the issuer's records (the data's age), since when a licence is revoked
or suspended (the issuer's record), the issuer, the disclosed fields by their labels,
and -- for a valid licence -- to compare the holder with their ID document."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from credentials.models import Licence
from tests.credentials.helpers import dept_headers, make_department
from tests.pages import visible_text


@pytest.fixture
def licences(full_app, unique):
    dept = make_department(full_app, unique)
    client, headers = full_app.test_client(), dept_headers(full_app, dept)
    found = {}
    for state, action in (("valid", None), ("suspended", "suspend"), ("revoked", "revoke")):
        found[state] = client.post("/api/v1/licenses", json=dept.body(),
                                   headers=headers).get_json()
        if action:
            assert client.post(f"/api/v1/licenses/{found[state]['identifier']}/{action}",
                               json={"reason": "复查"}, headers=headers).status_code == 200
    return found


def _changed_at(app, identifier: str) -> datetime:
    with app.services.sessions() as session:
        return session.scalar(select(Licence.state_changed_at)
                              .where(Licence.identifier == identifier))


def test_api_says_when_and_how_it_checked(full_app, licences):
    client = full_app.test_client()
    before = datetime.now(UTC).replace(microsecond=0)
    body = client.post("/api/v1/verify",
                       json={"credential": licences["valid"]["sd_jwt"]}).get_json()
    after = datetime.now(UTC)
    checked = body["checked"]
    assert body["status"] == "valid" and checked["mode"] == "online"
    at = datetime.fromisoformat(checked["checked_at"].replace("Z", "+00:00"))
    assert before <= at <= after
    assert checked["status_as_of"] == checked["checked_at"]  # live: no older data used
    assert checked["status_changed_at"] is None


@pytest.mark.parametrize("state", ["revoked", "suspended"])
def test_api_says_since_when_a_licence_is_refused(full_app, licences, state):
    licence = licences[state]
    for form in ("sd_jwt", "offline_qr"):
        body = full_app.test_client().post(
            "/api/v1/verify", json={"credential": licence[form]}).get_json()
        assert body["status"] == state
        changed = _changed_at(full_app, licence["identifier"]).replace(microsecond=0)
        assert body["checked"]["status_changed_at"] == \
            changed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _page(app, text: str) -> str:
    client = app.test_client()
    page = client.get("/verify").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/verify", data={"csrf_token": token, "credential": text}
                       ).get_data(as_text=True)


def test_page_for_a_valid_licence_reminds_to_compare_the_holder(full_app, licences):
    text = visible_text(_page(full_app, licences["valid"]["sd_jwt"]))
    assert "请当面核对持证人本人与其身份证件" in text
    assert re.search(r"核验时间 \d{4}年\d{2}月\d{2}日 \d{2}:\d{2}:\d{2}（北京时间）", text)
    assert "在线核验" in text and "实时查询" in text
    assert re.search(r"签发机构 测试厅 \S+", text)
    assert "类别 甲类" in text and "许可证编号 TP" in text  # labels, not claim names
    assert "permit_number" not in text and "category" not in text


def test_page_for_a_revoked_licence_gives_the_date_and_no_reminder(full_app, licences):
    text = visible_text(_page(full_app, licences["revoked"]["sd_jwt"]))
    assert re.search(r"吊销时间：\s?\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}:\d{2}（北京时间）", text)
    assert "请当面核对" not in text
    assert licences["revoked"]["identifier"] in text


def test_page_for_a_suspended_licence_gives_the_date(full_app, licences):
    text = visible_text(_page(full_app, licences["suspended"]["offline_qr"]))
    assert re.search(r"暂停时间：\s?\d{4}年", text)


def test_an_unreadable_text_has_a_time_but_no_licence(full_app):
    text = visible_text(_page(full_app, "not a licence"))
    assert "核验时间" in text and "证照信息" not in text
