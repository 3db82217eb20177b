"""Apps with verify registered and, for corpus tests, in-memory trust and status."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

import verify
from audit.models import Base as AuditBase
from tests.verify.corpus import new_corpus
from verify.pipeline import Verifier
from verify.ratelimit import FixedWindow, MemoryCounter


@pytest.fixture(scope="session")
def corpus():
    return new_corpus()


def _registered(app):
    if "verify_api" not in app.blueprints:
        verify.init_app(app)
    # Until admin migrates the audit branch, make its table here (no-op afterwards).
    AuditBase.metadata.create_all(app.services.engine)
    return app


@pytest.fixture
def vapp(app):
    return _registered(app)


@pytest.fixture
def corpus_app(vapp, corpus):
    """The app verifying against the corpus's issuer instead of the catalogue."""
    install_corpus(vapp, corpus)
    return vapp


def install_corpus(app, corpus, limit: int = 10_000):
    trust, status = corpus.trust(), corpus.status()
    replace_verify_services(app, trust=trust, status=status,
                            verifier=Verifier(trust=trust, status=status,
                                              clock=lambda: corpus.now),
                            limiter=FixedWindow(limit, 60, MemoryCounter()))


def replace_verify_services(app, **parts):
    """Swap parts of the app's VerifyServices in place (test only: the blueprints hold
    that object, built once by admin, and read its fields per request)."""
    for name, value in parts.items():
        object.__setattr__(app.verify_services, name, value)
    if "trust" in parts:  # the published trust list follows the new source
        from admin.published import serve_trust_list
        from verify.published import TrustListDocuments

        s = app.verify_services
        documents = TrustListDocuments(s.unit_of_work, parts["trust"], s.keyring, s.base_url)
        object.__setattr__(s, "published", documents)
        serve_trust_list(app.published, documents)


@pytest.fixture
def corpus_server(corpus_app):
    """The corpus app on a loopback port, in a thread (for the browser)."""
    server = make_server("127.0.0.1", 0, corpus_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def full_app(vapp):
    """The verify app with the credentials API too (issuance, wallet)."""
    if "credentials_api" not in vapp.blueprints:
        import credentials

        credentials.init_app(vapp)
    return vapp
