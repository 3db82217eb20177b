from idp import accounts, sso
from tests.idp.accounts.factories import make_person
from tests.idp.services import sso_sessions


def test_participants_end_session_and_signal(app, unique):
    facts = make_person(app, unique)
    ended = []

    def _listener(sender, sid):
        ended.append(sid)

    with app.services.sessions() as session:
        account = accounts.get_by_sub(session, facts["sub"])
    with app.test_request_context(), sso.session_ended.connected_to(_listener), \
            sso_sessions(app) as sessions:
        live = sessions.start_session(account, amr=["pwd"], acr="loa-1")
        assert len(live.sid) == 32 and live.sub == facts["sub"] and live.amr == ["pwd"]
        for client_id in ("hall-b", "hall-a", "hall-b"):
            sessions.add_participant(live.sid, client_id)
        assert sessions.participants(live.sid) == ["hall-b", "hall-a"]
        assert sessions.load_session(live.sid).acr == "loa-1"
        sessions.end_session(live.sid)
        sessions.end_session(live.sid)
        assert sessions.load_session(live.sid) is None
    assert ended == [live.sid]


def test_end_session_clears_this_browsers_cookie(app, client, unique):
    from tests.idp.accounts.factories import csrf, login

    facts = make_person(app, unique)
    login(client, facts["username"])
    page = client.get("/account").get_data(as_text=True)
    sid = client.get_cookie("onegate_sso").value.rsplit(".", 1)[0]
    response = client.post("/account/sessions/end", data={"csrf_token": csrf(page), "sid": sid})
    assert response.status_code == 302
    assert client.get_cookie("onegate_sso") is None
    assert client.get("/account").status_code == 302


def test_expired_session_is_not_current(app, unique):
    from datetime import timedelta

    from sqlalchemy import update

    from edge.timestamps import utcnow
    from idp.models.sso_sessions import SsoSession

    facts = make_person(app, unique)
    with app.services.sessions() as session:
        account = accounts.get_by_sub(session, facts["sub"])
    with app.test_request_context(), sso_sessions(app) as sessions:
        live = sessions.start_session(account, amr=["pwd"], acr="loa-1")
        app.services.unit_of_work.commit()  # SQLite: one writer at a time
        with app.services.sessions.begin() as session:
            session.execute(update(SsoSession).where(SsoSession.sid == live.sid)
                            .values(expires_at=utcnow() - timedelta(seconds=1)))
        assert sessions.load_session(live.sid) is None
