"""`onegate serve`: gunicorn with threaded workers (so an in-process call to our own
token endpoint can never deadlock a single sync worker)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class OnegateServer(BaseApplication):
    """Gunicorn application whose workers each build the app from the factory."""

    def __init__(self, factory, options: dict[str, Any]):
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        return self._factory()


def run(factory, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "timeout": 60,
        "graceful_timeout": 10,
        "forwarded_allow_ips": "127.0.0.1",
    }
    OnegateServer(factory, options).run()
