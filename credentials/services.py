"""The service dependencies of the running app, built once per app."""

from __future__ import annotations

from flask import current_app

from credentials.issuance import Deps
from credentials.references import reference_key
from credentials.status import SignedListCache

_KEY = "onegate.credentials"


def deps() -> Deps:
    """Deps for the current app (sessions, key ring, ISSUER, reference-token key)."""
    found = current_app.extensions.get(_KEY)
    if found is None:
        found = Deps(sessions=current_app.extensions["onegate.sessions"],
                     keyring=current_app.extensions["onegate.keyring"],
                     issuer=current_app.config["ONEGATE"]["ISSUER"],
                     reference_key=reference_key(current_app.config["SECRET_KEY"]))
        current_app.extensions[_KEY] = found
    return found


def status_cache() -> SignedListCache:
    cache = current_app.extensions.get(_KEY + ".status_cache")
    if cache is None:
        cache = current_app.extensions[_KEY + ".status_cache"] = SignedListCache()
    return cache
