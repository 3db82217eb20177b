"""One unit of work: the transaction of one request, CLI command or job.

The edge (the app's request dispatch, a CLI command, a background job) opens a scope;
everything below asks the unit of work for *the* session of that scope and takes it as
a parameter from there on. The first use begins the transaction; the edge commits it
once, when the work succeeded, and rolls it back otherwise. A request that never
touches the database costs nothing.

Work that must outlive a rollback (a counted failed login, a rate-limit hit) uses its
own short transaction on ``sessions`` on purpose, and says why where it does so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.orm import Session, sessionmaker


class NoUnitOfWork(RuntimeError):
    """Asked for the session outside any scope: a programming error at the edge."""


class _Scope:
    __slots__ = ("session", "commits")

    def __init__(self) -> None:
        self.session: Session | None = None
        self.commits = 0


class UnitOfWork:
    """Scopes over one session factory; each thread or task has its own current scope."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._current: ContextVar[_Scope | None] = ContextVar(f"unit_of_work_{id(self)}",
                                                              default=None)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """A unit of work: commits on normal exit, rolls back on an exception.

        Scopes nest: an inner scope (a CLI command run inside a request in tests, a
        helper that opens one defensively) joins the outer one.
        """
        if self._current.get() is not None:
            yield
            return
        scope = _Scope()
        token = self._current.set(scope)
        try:
            yield
            self._finish(scope, commit=True)
        except BaseException:
            self._finish(scope, commit=False)
            raise
        finally:
            self._current.reset(token)

    def session(self) -> Session:
        """The scope's session, its transaction begun on first use.

        Raises NoUnitOfWork outside a scope.
        """
        scope = self._current.get()
        if scope is None:
            raise NoUnitOfWork("no unit of work is open here: open one at the edge")
        if scope.session is None:
            scope.session = self.sessions()
            scope.session.begin()
        return scope.session

    def commit(self) -> None:
        """Commit the scope's work now (the request edge, once the view returned).

        A later use in the same scope begins a new transaction.
        """
        scope = self._current.get()
        if scope is not None and scope.session is not None:
            self._finish(scope, commit=True)

    def owns(self, session: Session) -> bool:
        """Whether ``session`` is the current scope's (and not some short transaction of
        its own that a package opened on ``sessions``)."""
        scope = self._current.get()
        return scope is not None and scope.session is session

    @property
    def active(self) -> bool:
        """Whether a scope is open here."""
        return self._current.get() is not None

    @staticmethod
    def _finish(scope: _Scope, *, commit: bool) -> None:
        session, scope.session = scope.session, None
        if session is None:
            return
        try:
            if commit:
                session.commit()
                scope.commits += 1
            else:
                session.rollback()
        finally:
            session.close()
