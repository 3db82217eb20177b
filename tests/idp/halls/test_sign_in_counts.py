"""Sign-ins per hall and day: counted when an authorization code is issued, in the
request's unit of work; read by ``sign_in_counts`` (the console's dashboard) and
`onegate clients stats`."""

from __future__ import annotations

from datetime import date, timedelta

from edge.timestamps import utcnow
from idp.sign_in_counts import china_day
from tests.idp.halls.helpers import run, run_json
from tests.idp.protocol.helpers import auth_params, exchange, pkce, register, signed_in_code


def _counts(app, since, client_ids=None):
    from idp.sign_in_counts import sign_in_counts

    with app.services.sessions() as session:
        return sign_in_counts(session, since, client_ids)


def test_each_code_issued_is_one_sign_in_and_nothing_else_counts(app, client, unique):
    reg = register(app, unique, trusted=True)
    other = register(app, unique + "o", trusted=True)
    today = china_day()
    code, verifier, _ = signed_in_code(app, client, unique, reg)
    tokens = exchange(client, reg, code, verifier).json
    signed_in_code(app, client, unique + "b", reg)
    # Refreshing, a refused request and a replayed code are not sign-ins.
    client.post("/oauth/token", data={"grant_type": "refresh_token",
                                      "refresh_token": tokens["refresh_token"]},
                auth=(reg["client_id"], reg["secret"]))
    exchange(client, reg, code, verifier)
    _, challenge = pkce()
    refused = client.get("/oauth/authorize", query_string=auth_params(
        reg["client_id"], challenge, scope="openid admin"))
    assert refused.status_code == 302 and "error=invalid_scope" in refused.headers["Location"]
    assert _counts(app, today, [reg["client_id"], other["client_id"]]) == [
        (today, reg["client_id"], 2)]
    assert _counts(app, today, []) == []
    assert (today, reg["client_id"], 2) in _counts(app, today)


def test_counts_are_per_china_day_and_filtered_by_client_and_since(app, unique):
    from idp.sign_in_counts import count_sign_in

    a, b = f"c_a{unique}", f"c_b{unique}"
    day = utcnow().replace(year=2020, month=3, day=1, hour=15, minute=59)  # 23:59 in China
    with app.services.sessions.begin() as session:
        for at, client_id in ((day, a), (day, a), (day + timedelta(minutes=2), a),
                              (day, b)):
            count_sign_in(session, client_id, at)
    first, second = date(2020, 3, 1), date(2020, 3, 2)
    assert [r for r in _counts(app, first, [a, b]) if r[0] <= second] == [
        (first, a, 2), (first, b, 1), (second, a, 1)]
    assert _counts(app, second, [a, b])[0] == (second, a, 1)


def test_a_rolled_back_request_counts_nothing(app, unique):
    from idp.sign_in_counts import count_sign_in

    client_id = f"c_r{unique}"
    session = app.services.sessions()
    count_sign_in(session, client_id)
    session.rollback()
    session.close()
    assert _counts(app, china_day(), [client_id]) == []


def test_stats_command(app, client, unique):
    reg = register(app, unique, trusted=True)
    signed_in_code(app, client, unique, reg)
    today = china_day().isoformat()
    data = run_json(app, "stats", reg["client_id"], "--days", "7")
    assert data == [{"day": today, "client_id": reg["client_id"], "sign_ins": 1}]
    text = run(app, "stats", reg["client_id"])
    assert text.exit_code == 0 and text.output == f"{today}  {reg['client_id']}  1\n"
    everyone = run_json(app, "stats", "--days", "1")
    assert {"day": today, "client_id": reg["client_id"], "sign_ins": 1} in everyone
    unknown = run(app, "stats", f"c_nobody{unique}")
    assert unknown.exit_code == 1 and unknown.output == f"Error: no client c_nobody{unique}\n"
    for days in ("0", "367", "x"):
        assert run(app, "stats", "--days", days).exit_code == 2
