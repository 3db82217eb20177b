"""admin.unavailable in process: each kind of endpoint answers an unreachable
dependency with 503, Retry-After and its own error form; the problem type resolves."""

from __future__ import annotations

import pytest
import redis.exceptions
from sqlalchemy.exc import OperationalError

DOWN = (OperationalError("SELECT 1", {}, Exception("connection refused")),
        redis.exceptions.ConnectionError("Connection refused"))


@pytest.fixture
def broken(app, monkeypatch):
    """Every client lookup (token endpoint, authorize page) hits the failing dependency."""
    from idp import clients

    def fail(*_a, **_kw):
        raise fail.error

    monkeypatch.setattr(clients, "find", fail)
    return fail


@pytest.mark.parametrize("error", DOWN, ids=["database", "redis"])
def test_oauth_endpoint_answers_temporarily_unavailable(client, broken, error):
    broken.error = error
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers={"Authorization": "Basic YTpi"})
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert response.json["error"] == "temporarily_unavailable"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("error", DOWN, ids=["database", "redis"])
def test_page_answers_a_readable_503(client, broken, error):
    broken.error = error
    response = client.get("/oauth/authorize", query_string={"client_id": "x"})
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert response.mimetype == "text/html" and "Traceback" not in response.get_data(True)


def test_json_api_answers_a_problem_whose_type_resolves(app, client):
    class Failing:
        def verify(self, *_a, **_kw):
            raise DOWN[0]

    # The verify blueprint reads the app's VerifyServices per request.
    object.__setattr__(app.verify_services, "verifier", Failing())
    response = client.post("/api/v1/verify", json={"credential": "x"})
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert response.mimetype == "application/problem+json"
    assert response.json["type"].endswith("/api/v1/problems/service-unavailable")
    described = client.get("/api/v1/problems/service-unavailable")
    assert described.status_code == 200 and described.json["status"] == 503
