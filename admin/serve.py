"""`onegate serve`: the WSGI server, chosen by measurement (docs/PERFORMANCE.md).

Three servers, one contract: every worker builds the app from the factory; each worker
serves several requests at once (threads, or gevent's greenlets), so an in-process call
to our own token endpoint can never deadlock a worker; SIGTERM/SIGINT stop accepting,
finish the requests in flight (up to ``GRACEFUL_SECONDS``) and exit.

- ``gthread``: gunicorn, threaded workers (``--threads`` each);
- ``granian``: granian's WSGI interface (Rust HTTP/1.1 front, ``--threads`` blocking
  threads per worker run the app);
- ``gevent``: gunicorn with gevent workers (monkey-patched; ``--threads`` is ignored,
  each worker takes up to ``GEVENT_CONNECTIONS`` connections at once).
"""

from __future__ import annotations

from typing import Any

from admin.settings import SERVERS

GRACEFUL_SECONDS = 10
GEVENT_CONNECTIONS = 1000


def factory_path(factory) -> str:
    """``module:name`` of an importable app factory (granian imports it in its workers);
    raises ValueError for a factory that cannot be imported by name (a lambda, a local)."""
    module, name = getattr(factory, "__module__", None), getattr(factory, "__qualname__", "")
    if not module or not name.isidentifier():
        raise ValueError(f"{factory!r} is not a module-level function")
    return f"{module}:{name}"


def serving_app():
    """The app a served worker runs: ``create_app()`` plus the housekeeping scheduler
    (admin.housekeeping; one worker of the deployment runs it at a time)."""
    from admin import housekeeping
    from admin.app import create_app

    app = create_app()
    housekeeping.start(app)
    return app


def run(factory, host: str, port: int, workers: int, threads: int,
        server: str = "gthread") -> None:
    """Serve ``factory()`` until SIGTERM/SIGINT; raises ValueError for an unknown server."""
    if server == "granian":
        _run_granian(factory, host, port, workers, threads)
    elif server in ("gthread", "gevent"):
        _run_gunicorn(factory, host, port, workers, threads, server)
    else:
        raise ValueError(f"unknown server {server!r}; one of {', '.join(SERVERS)}")


def _run_gunicorn(factory, host: str, port: int, workers: int, threads: int,
                  worker_class: str) -> None:
    from gunicorn.app.base import BaseApplication

    class OnegateServer(BaseApplication):
        """Gunicorn application whose workers each build the app from the factory."""

        def __init__(self, options: dict[str, Any]):
            self._options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self._options.items():
                if key in self.cfg.settings and value is not None:
                    self.cfg.set(key, value)

        def load(self):
            return factory()

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": worker_class,
        "worker_connections": GEVENT_CONNECTIONS,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "timeout": 60,
        "graceful_timeout": GRACEFUL_SECONDS,
        "forwarded_allow_ips": "127.0.0.1",
    }
    OnegateServer(options).run()


def _run_granian(factory, host: str, port: int, workers: int, threads: int) -> None:
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    # Like gunicorn: a worker that dies is replaced; SIGTERM lets requests in flight
    # finish for up to GRACEFUL_SECONDS before workers are killed.
    Server(factory_path(factory), address=host, port=port, interface=Interfaces.WSGI,
           factory=True, workers=workers, blocking_threads=threads,
           respawn_failed_workers=True, workers_kill_timeout=GRACEFUL_SECONDS,
           log_access=False, log_level=LogLevels.warning).serve()
