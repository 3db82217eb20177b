"""The token endpoint's request budget per client_id (ONEGATE_TOKEN_RATE_*)."""

import pytest

from tests.conftest import free_port
from tests.conftest import test_settings as settings_for
from tests.idp.protocol.helpers import basic, register


@pytest.fixture
def limited_app(migrated, tmp_path):
    from admin.app import create_app

    application = create_app(settings_for(migrated, TOKEN_RATE_LIMIT=3, TOKEN_RATE_WINDOW=60),
                             instance_path=tmp_path)
    yield application
    application.services.engine.dispose()


def _grant(client, reg, how="basic"):
    data = {"grant_type": "client_credentials"}
    if how == "basic":
        return client.post("/oauth/token", data=data,
                           headers=basic(reg["client_id"], reg["secret"]))
    return client.post("/oauth/token", data={**data, "client_id": reg["client_id"],
                                             "client_secret": reg["secret"]})


def test_budget_per_client_id_answers_429_with_retry_after(limited_app, unique):
    reg = register(limited_app, unique, grant_types=["client_credentials"], redirect_uris=[])
    other = register(limited_app, unique + "b", grant_types=["client_credentials"],
                     redirect_uris=[])
    client = limited_app.test_client()
    # The form post names the same client (and fails its authentication method):
    # every request naming the client_id counts, however it authenticates.
    statuses = [_grant(client, reg, how).status_code for how in ("basic", "form", "basic")]
    refused = _grant(client, reg, "basic")
    assert statuses == [200, 401, 200]
    assert refused.status_code == 429
    assert refused.json["error"] == "temporarily_unavailable"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Cache-Control"] == "no-store"
    assert _grant(client, other).status_code == 200  # another client's budget is its own


def test_spending_a_halls_budget_from_elsewhere_leaves_the_hall_its_own(limited_app, unique):
    """The client_id is unauthenticated when counted: an attacker who names a hall's
    public client_id from another address spends only that address's budget."""
    reg = register(limited_app, unique, grant_types=["client_credentials"], redirect_uris=[])
    attacker = limited_app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    wrong = {**reg, "secret": "not-the-secret"}
    assert [_grant(attacker, wrong).status_code for _ in range(4)] == [401, 401, 401, 429]
    hall = limited_app.test_client()
    hall.environ_base["REMOTE_ADDR"] = "203.0.113.20"
    assert _grant(hall, reg).status_code == 200


def test_redis_down_fails_closed_with_503(migrated, tmp_path, unique):
    from admin.app import create_app

    app = create_app(settings_for(migrated, REDIS_URL=f"redis://127.0.0.1:{free_port()}/3"),
                     instance_path=tmp_path)
    reg = register(app, unique, grant_types=["client_credentials"], redirect_uris=[])
    responses = [_grant(app.test_client(), reg) for _ in range(3)]
    assert [r.status_code for r in responses] == [503, 503, 503]
    assert all(r.json["error"] == "temporarily_unavailable" for r in responses)
    assert all(int(r.headers["Retry-After"]) > 0 for r in responses)
    app.services.engine.dispose()
