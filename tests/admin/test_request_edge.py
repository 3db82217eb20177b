"""The request edge (admin/edge.py): one request is one unit of work. A view that
returns commits its work once; a view that raises (answered by an error handler) leaves
nothing behind; a database that fails while the edge closes the work is a 503, never a
500."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadRequest


@pytest.fixture
def edge_app(app):
    from audit.models import Base as AuditBase

    engine = app.services.engine
    AuditBase.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS edge_probe (v VARCHAR(40))"))
        connection.execute(text("DELETE FROM edge_probe"))
    work = app.services.unit_of_work

    def write(value):
        work.session().execute(text("INSERT INTO edge_probe VALUES (:v)"), {"v": value})

    @app.post("/_test/edge/ok")
    def ok():
        write("ok")
        return {"done": True}

    @app.post("/_test/edge/bad-request")
    def bad_request():
        write("bad-request")
        raise BadRequest("refused after a write")

    @app.post("/_test/edge/crash")
    def crash():
        write("crash")
        raise RuntimeError("a bug after a write")

    for view in (ok, bad_request, crash):
        app.csrf.exempt(view)
    return app


def rows(app):
    with app.services.engine.connect() as connection:
        return sorted(connection.execute(text("SELECT v FROM edge_probe")).scalars())


def test_a_view_that_returns_commits_its_work(edge_app):
    client = edge_app.test_client()
    assert client.post("/_test/edge/ok").status_code == 200
    assert rows(edge_app) == ["ok"]


@pytest.mark.parametrize("path, status", [("/_test/edge/bad-request", 400),
                                          ("/_test/edge/crash", 500)])
def test_a_view_that_raises_leaves_nothing_behind(edge_app, path, status):
    client = edge_app.test_client()
    assert client.post(path).status_code == status
    assert rows(edge_app) == []
    assert not edge_app.services.unit_of_work.active


def test_a_failing_commit_is_a_503_and_the_work_is_gone(edge_app, monkeypatch):
    from sqlalchemy.orm import Session

    def down(self):
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(Session, "commit", down)
    response = edge_app.test_client().post("/_test/edge/ok")
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert rows(edge_app) == []


def test_a_failing_rollback_at_the_edge_is_not_a_500(edge_app, monkeypatch):
    from sqlalchemy.orm import Session

    real = Session.close

    def dead(self):
        real(self)
        raise OperationalError("ROLLBACK", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(Session, "close", dead)
    response = edge_app.test_client().post("/_test/edge/bad-request")
    monkeypatch.undo()
    assert response.status_code == 400
