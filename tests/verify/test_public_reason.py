"""The public reason of a suspension or revocation (issue 12): a code from a fixed list
and an optional note, set through the issuance API, the console's functions and the
CLI, returned by /api/v1/verify as ``checked.status_reason`` with the date, shown on
the /verify page and to the holder. The issuer's internal reason never reaches a
verifier; hostile public reasons are refused (422 naming the field) with nothing
written."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from audit.models import AuditEntry
from credentials import licence_admin, public_reasons
from credentials.errors import ValidationFailed
from credentials.models import Licence
from tests.credentials.helpers import dept_headers, make_department, wallet_headers
from tests.pages import visible_text

INTERNAL = "内部核查编号 HZ-2026-0042 举报人张某"


@pytest.fixture
def issued(full_app, unique):
    dept = make_department(full_app, unique)
    client, headers = full_app.test_client(), dept_headers(full_app, dept)
    body = client.post("/api/v1/licenses", json=dept.body(), headers=headers).get_json()
    return dept, client, headers, body


def _act(client, headers, identifier: str, action: str, **body):
    return client.post(f"/api/v1/licenses/{identifier}/{action}",
                       json={"reason": INTERNAL, **body}, headers=headers)


def _verify(client, text: str) -> dict:
    return client.post("/api/v1/verify", json={"credential": text}).get_json()


def test_revoked_licence_shows_its_public_reason_and_date_never_the_internal_one(issued):
    _, client, headers, licence = issued
    answer = _act(client, headers, licence["identifier"], "revoke",
                  public_reason="revoked_by_authority", public_note="依据行政处罚决定书")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["public_reason"]["code"] == "revoked_by_authority"
    for form in ("sd_jwt", "offline_qr"):
        response = client.post("/api/v1/verify", json={"credential": licence[form]})
        body = response.get_json()
        assert body["status"] == "revoked"
        assert body["checked"]["status_reason"] == {
            "code": "revoked_by_authority", "label_zh": "被主管部门依法吊销",
            "label_en": "Revoked by the competent authority", "note": "依据行政处罚决定书"}
        assert body["checked"]["status_changed_at"].endswith("Z")
        assert INTERNAL not in response.get_data(as_text=True)
        assert "HZ-2026-0042" not in response.get_data(as_text=True)


def test_suspension_without_public_reason_then_reinstate_clears_it(issued):
    _, client, headers, licence = issued
    identifier = licence["identifier"]
    assert _act(client, headers, identifier, "suspend").status_code == 200
    body = _verify(client, licence["sd_jwt"])
    assert body["status"] == "suspended" and body["checked"]["status_reason"] is None
    assert body["checked"]["status_changed_at"]
    assert _act(client, headers, identifier, "reinstate").status_code == 200
    assert _act(client, headers, identifier, "suspend",
                public_reason="under_review").status_code == 200
    assert _verify(client, licence["sd_jwt"])["checked"]["status_reason"]["label_zh"] == "核查中"
    assert _act(client, headers, identifier, "reinstate").status_code == 200
    valid = _verify(client, licence["sd_jwt"])
    assert valid["status"] == "valid" and valid["checked"]["status_reason"] is None
    shown = client.get(f"/api/v1/licenses/{identifier}", headers=headers).get_json()
    assert shown["public_reason"] is None


HOSTILE = [
    ({"public_reason": "lost"}, "public_reason", "unknown_code"),
    ({"public_reason": ["ceased"]}, "public_reason", "unknown_code"),
    ({"public_reason": "CEASED"}, "public_reason", "unknown_code"),
    ({"public_reason": "ceased", "public_note": "长" * 201}, "public_note", "too_long"),
    ({"public_reason": "ceased", "public_note": "注销\n<script>"}, "public_note",
     "bad_character"),
    ({"public_reason": "ceased", "public_note": "a\u202eb"}, "public_note", "bad_character"),
    ({"public_reason": "ceased", "public_note": 7}, "public_note", "not_a_string"),
    ({"public_note": "没有原因代码"}, "public_reason", "required"),
]


@pytest.mark.parametrize("extra, field, reason", HOSTILE)
def test_hostile_public_reasons_are_refused_with_nothing_written(full_app, issued, extra,
                                                                  field, reason):
    _, client, headers, licence = issued
    identifier = licence["identifier"]
    entries = _audit_count(full_app, identifier)
    answer = _act(client, headers, identifier, "revoke", **extra)
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert {"field": field, "reason": reason} in [
        {k: e[k] for k in ("field", "reason")} for e in answer.get_json()["errors"]]
    with full_app.services.sessions() as session:
        row = session.get(Licence, identifier)
        assert (row.state, row.public_reason, row.public_note) == ("valid", None, None)
    assert _audit_count(full_app, identifier) == entries


def test_a_public_reason_to_reinstate_is_refused(issued):
    _, client, headers, licence = issued
    assert _act(client, headers, licence["identifier"], "suspend").status_code == 200
    answer = _act(client, headers, licence["identifier"], "reinstate", public_reason="error")
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["field"] == "public_reason"


def _audit_count(app, identifier: str) -> int:
    with app.services.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.subject == identifier))


def test_reissue_marks_the_old_licence_superseded(issued):
    dept, client, headers, licence = issued
    successor = client.post(f"/api/v1/licenses/{licence['identifier']}/reissue",
                            json={"claims": licence["claims"], "reason": INTERNAL},
                            headers=headers)
    assert successor.status_code == 201, successor.get_json()
    body = _verify(client, licence["sd_jwt"])
    assert body["status"] == "revoked"
    assert body["checked"]["status_reason"]["code"] == "superseded"


def test_operators_set_it_and_every_code_has_both_labels(full_app, issued):
    dept, client, _, licence = issued
    for code, (zh, en) in public_reasons.REASONS.items():
        assert re.fullmatch(r"[a-z_]+", code) and zh and en and zh != en
    now = full_app.credentials_services.clock()
    with full_app.services.sessions.begin() as session, pytest.raises(ValidationFailed):
        licence_admin.act(session, licence["identifier"], "revoke", "注销", scope=[dept.code],
                          actor="staff:1", now=now, public_reason="gone")
    with full_app.services.sessions.begin() as session:
        licence_admin.act(session, licence["identifier"], "revoke", "注销", scope=[dept.code],
                          actor="staff:1", now=now, public_reason="ceased",
                          public_note="已办理注销登记")
    with full_app.services.sessions() as session:
        shown = licence_admin.details(session, session.get(Licence, licence["identifier"]), [])
    assert shown["public_reason"]["code"] == "ceased"
    assert shown["history"][-1]["reason"] == "注销"  # the internal one, for operators


def _page(app, text: str, lang: str = "zh-CN") -> str:
    client = app.test_client()
    page = client.get("/verify", headers={"Accept-Language": lang}).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/verify", data={"csrf_token": token, "credential": text},
                       headers={"Accept-Language": lang}).get_data(as_text=True)


def test_the_verify_page_shows_the_public_reason_in_each_language(full_app, issued):
    _, client, headers, licence = issued
    assert _act(client, headers, licence["identifier"], "revoke", public_reason="ceased",
                public_note="已办理注销登记").status_code == 200
    zh = visible_text(_page(full_app, licence["sd_jwt"]))
    assert "签发机构公开的原因：持证主体已注销或停止经营（已办理注销登记）" in zh
    assert INTERNAL not in zh and "HZ-2026" not in zh
    en = visible_text(_page(full_app, licence["sd_jwt"], "en"))
    assert ("Reason given by the issuer: The holder has ceased the activity (已办理注销登记)"
            in en)


def test_the_holder_sees_the_public_reason_in_the_wallet_api(full_app, issued):
    _, client, headers, licence = issued
    assert _act(client, headers, licence["identifier"], "suspend",
                public_reason="suspended_by_authority").status_code == 200
    wallet = wallet_headers(full_app, licence["holder"]["number"])
    listed = client.get("/api/v1/wallet/licenses", headers=wallet).get_json()["licenses"]
    mine = next(x for x in listed if x["identifier"] == licence["identifier"])
    assert mine["public_reason"]["label_zh"] == "被主管部门依法暂扣"
    assert mine["state_changed_at"]
    one = client.get(f"/api/v1/wallet/licenses/{licence['identifier']}", headers=wallet)
    assert one.get_json()["public_reason"]["code"] == "suspended_by_authority"


def test_the_cli_sets_it_and_refuses_an_unknown_code(full_app, issued):
    from tests.credentials.test_catalogue_cli import ok_json, run

    _, _, _, licence = issued
    identifier = licence["identifier"]
    bad = run(full_app, "licenses", "revoke", identifier, "--reason", "注销",
              "--public-reason", "lost")
    assert bad.exit_code == 2 and "lost" in bad.output
    long_note = run(full_app, "licenses", "revoke", identifier, "--reason", "注销",
                    "--public-reason", "error", "--public-note", "x" * 201)
    assert long_note.exit_code == 1 and "public_note: too_long" in long_note.output
    done = ok_json(run(full_app, "licenses", "revoke", identifier, "--reason", "注销",
                       "--public-reason", "error", "--public-note", "出生日期录入错误",
                       "--json"))
    assert done["state"] == "revoked"
    body = _verify(full_app.test_client(), licence["sd_jwt"])
    assert body["checked"]["status_reason"]["note"] == "出生日期录入错误"


def test_offline_bundle_and_cli_say_the_public_reason_never_the_internal_one(issued,
                                                                              tmp_path):
    """The offline paths (issue 12): the signed bundle carries the revoked licence's
    reason code (with both labels), never its internal reason nor its note, and
    `onegate verify --bundle` says it; a reinstated licence's reason is gone from the
    next bundle."""
    import json

    from click.testing import CliRunner

    from verify.cli import verify_command

    _, client, headers, licence = issued
    identifier = licence["identifier"]
    assert _act(client, headers, identifier, "revoke", public_reason="revoked_by_authority",
                public_note="依据行政处罚决定书").status_code == 200
    body = client.get("/api/v1/offline-bundle?format=json").get_json()
    payload = jwt_payload(body["bundle"])
    uri, idx = licence["status"]["uri"], licence["status"]["idx"]
    assert idx in payload["public_reasons"]["lists"][uri]["revoked_by_authority"]
    raw = json.dumps(payload, ensure_ascii=False)
    assert INTERNAL not in raw and "依据行政处罚决定书" not in raw
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(body))
    for form in ("sd_jwt", "offline_qr"):
        out = CliRunner().invoke(verify_command, [licence[form], "--bundle", str(path)])
        assert out.exit_code == 1, out.output
        assert "被主管部门依法吊销 / Revoked by the competent authority" in out.output
        assert INTERNAL not in out.output


def test_a_suspension_reason_leaves_the_bundle_with_the_reinstatement(issued):
    _, client, headers, licence = issued
    identifier = licence["identifier"]
    uri, idx = licence["status"]["uri"], licence["status"]["idx"]
    assert _act(client, headers, identifier, "suspend",
                public_reason="under_review").status_code == 200
    lists = jwt_payload(client.get("/api/v1/offline-bundle").get_data(as_text=True))[
        "public_reasons"]["lists"]
    assert idx in lists[uri]["under_review"]
    assert _act(client, headers, identifier, "reinstate").status_code == 200
    lists = jwt_payload(client.get("/api/v1/offline-bundle").get_data(as_text=True))[
        "public_reasons"]["lists"]
    assert idx not in lists.get(uri, {}).get("under_review", [])


def jwt_payload(token: str) -> dict:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})
