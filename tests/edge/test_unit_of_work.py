"""One unit of work: one session and one commit per scope, a rollback on error."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import sessionmaker

from edge.unit_of_work import NoUnitOfWork, UnitOfWork


@pytest.fixture
def uow(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'uow.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v INTEGER)"))
    counts = {"begin": 0, "commit": 0, "rollback": 0}
    for name in counts:
        event.listen(engine, name, lambda *_a, _n=name: counts.__setitem__(_n, counts[_n] + 1))
    unit = UnitOfWork(sessionmaker(engine, expire_on_commit=False))
    unit.counts = counts
    unit.engine = engine
    return unit


def rows(uow):
    with uow.engine.connect() as connection:
        return connection.execute(text("SELECT v FROM t ORDER BY v")).scalars().all()


def test_one_session_and_one_commit_per_scope(uow):
    with uow.scope():
        first = uow.session()
        first.execute(text("INSERT INTO t VALUES (1)"))
        assert uow.session() is first
        uow.session().execute(text("INSERT INTO t VALUES (2)"))
    assert (uow.counts["begin"], uow.counts["commit"]) == (1, 1)
    assert rows(uow) == [1, 2]


def test_an_exception_rolls_back_everything_the_scope_did(uow):
    with pytest.raises(ZeroDivisionError), uow.scope():
        uow.session().execute(text("INSERT INTO t VALUES (1)"))
        uow.session().execute(text("INSERT INTO t VALUES (2)"))
        _ = 1 / 0
    assert rows(uow) == []
    assert uow.counts["commit"] == 0


def test_a_scope_that_never_touches_the_database_costs_nothing(uow):
    with uow.scope():
        pass
    assert uow.counts == {"begin": 0, "commit": 0, "rollback": 0}


def test_commit_at_the_edge_then_a_later_failure_keeps_the_committed_part(uow):
    with pytest.raises(RuntimeError), uow.scope():
        uow.session().execute(text("INSERT INTO t VALUES (1)"))
        uow.commit()
        uow.session().execute(text("INSERT INTO t VALUES (2)"))
        raise RuntimeError("after the view")
    assert rows(uow) == [1]


def test_nested_scopes_join_the_outer_one(uow):
    with pytest.raises(RuntimeError), uow.scope():
        with uow.scope():
            uow.session().execute(text("INSERT INTO t VALUES (1)"))
        assert rows(uow) == []  # not committed by the inner scope
        raise RuntimeError
    assert rows(uow) == []


def test_outside_a_scope_the_session_is_refused(uow):
    with pytest.raises(NoUnitOfWork):
        uow.session()
    assert not uow.active


def test_threads_have_their_own_scope(uow):
    seen = {}

    def work(name):
        with uow.scope():
            seen[name] = uow.session()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    with uow.scope():
        mine = uow.session()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len({id(mine), id(seen["a"]), id(seen["b"])}) == 3


def test_an_edge_scope_rolls_back_what_it_did_not_commit(uow):
    with uow.scope(commit_on_exit=False):
        uow.session().execute(text("INSERT INTO t VALUES (1)"))
        uow.commit()
        uow.session().execute(text("INSERT INTO t VALUES (2)"))  # after the view: dropped
    assert rows(uow) == [1]


def test_a_rollback_that_fails_is_logged_not_raised(uow, monkeypatch, caplog):
    from sqlalchemy.orm import Session

    def dead(self):
        raise ConnectionError("server closed the connection")

    with uow.scope(commit_on_exit=False):
        uow.session().execute(text("INSERT INTO t VALUES (1)"))
        monkeypatch.setattr(Session, "rollback", dead)
    monkeypatch.undo()
    assert "ending a unit of work failed: ConnectionError" in caplog.text
