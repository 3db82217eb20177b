"""When the throttle store cannot count (Redis down), code entry and code requests
are refused (503 with Retry-After), never checked unthrottled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.idp.accounts.factories import csrf, make_person
from tests.idp.recovery.helpers import enter_code, issue


@pytest.fixture
def store_down(app, monkeypatch):
    from idp.throttle import StoreUnavailable

    def unavailable(*args, **kwargs):
        raise StoreUnavailable("test: store down")

    store = app.idp_services.throttle_store
    for name in ("peek", "hit", "refund", "reset", "reset_prefix"):
        monkeypatch.setattr(store, name, unavailable)


def test_code_entry_fails_closed(app, client, unique, store_down):
    from idp.models.reset_codes import ResetCode

    person = make_person(app, unique)
    issued = issue(app, person["id_number"])
    response = enter_code(client, person["username"], issued["code"])
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    with app.services.sessions() as session:
        row = session.scalars(select(ResetCode).where(ResetCode.account_id == person["id"])).one()
        assert row.used_at is None
    assert client.get("/account/reset/new").status_code == 303  # nothing was kept


def test_code_requests_fail_closed(app, client, unique, store_down):
    page = client.get("/account/forgot")
    response = client.post("/account/forgot", data={
        "csrf_token": csrf(page.get_data(as_text=True)), "login": f"p{unique}"})
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
