"""The service dependencies of the running app, built once per app."""

from __future__ import annotations

from flask import current_app

from credentials.issuance import Deps
from credentials.qr import ReferenceImageCache
from credentials.references import ReferenceKeys
from credentials.status import SignedListCache

_KEY = "onegate.credentials"


def deps() -> Deps:
    """Deps for the current app (sessions, key ring, ISSUER, reference-token keys: from
    the KEK, and the pre-0.2 SECRET_KEY-derived one for licences issued before)."""
    found = current_app.extensions.get(_KEY)
    if found is None:
        found = Deps(sessions=current_app.extensions["onegate.sessions"],
                     keyring=current_app.extensions["onegate.keyring"],
                     issuer=current_app.config["ONEGATE"]["ISSUER"],
                     references=ReferenceKeys.from_kek(
                         current_app.config["ONEGATE"]["KEK_BYTES"],
                         current_app.config["SECRET_KEY"]))
        current_app.extensions[_KEY] = found
    return found


def reference_images() -> ReferenceImageCache:
    """The app's in-process cache of rendered reference QR images (never stored)."""
    cache = current_app.extensions.get(_KEY + ".reference_images")
    if cache is None:
        cache = current_app.extensions[_KEY + ".reference_images"] = ReferenceImageCache()
    return cache


def status_cache() -> SignedListCache:
    cache = current_app.extensions.get(_KEY + ".status_cache")
    if cache is None:
        cache = current_app.extensions[_KEY + ".status_cache"] = SignedListCache()
    return cache
