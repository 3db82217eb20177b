"""The provider's services of a test app, as admin builds them (idp.services)."""

from __future__ import annotations

import threading
from contextlib import contextmanager


def idp_services(app):
    """``app``'s IdpServices, as admin built them for it."""
    return app.idp_services


def backchannel_worker(app):
    """The back-channel logout worker thread serving ``app``, or None."""
    from idp.backchannel import Worker

    for thread in threading.enumerate():
        if isinstance(thread, Worker) and thread.services.sessions is app.services.sessions:
            return thread
    return None


@contextmanager
def sso_sessions(app):
    """``app``'s SSO sessions (idp.sso.SsoSessions) in a unit of work of their own,
    committed when the block ends; use inside a request context."""
    services = idp_services(app)
    with services.unit_of_work.scope():
        yield services.sso
