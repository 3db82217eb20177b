"""QR images of a licence's two forms.

The offline form (``LIC1:...``) is public: it is rendered once and kept in
``credential_qr_images``, since rendering costs tens of milliseconds (segno's mask
search) and a licence's text never changes. The reference form carries the secret
reference token (credentials.references), so it is never stored: it is rendered on
demand and kept only in a bounded in-process cache (ReferenceImageCache).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from credentials import layout
from credentials.formats import qr_image
from credentials.models import Licence, QrImage
from credentials.references import ReferenceKeys

KINDS = ("offline", "reference")
#: The offline form must fit version 20; a URL is short, any version will do.
MAX_VERSION = {"offline": 20, "reference": 40}
#: Reference images kept in memory per process (a PNG and an SVG, a few kB each).
REFERENCE_CACHE_SIZE = 256


class ReferenceImageCache:
    """A thread-safe LRU of rendered reference QR images, at most ``capacity`` of them,
    keyed by the URL they encode (so a changed token or ISSUER never hits a stale one)."""

    def __init__(self, capacity: int = REFERENCE_CACHE_SIZE) -> None:
        if capacity < 0:
            raise ValueError("capacity must not be negative")
        self._items: OrderedDict[str, qr_image.QrImage] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def render(self, text: str) -> qr_image.QrImage:
        """The image of ``text``, rendered if not cached; raises QrTooLarge."""
        with self._lock:
            found = self._items.get(text)
            if found is not None:
                self._items.move_to_end(text)
                return found
        rendered = qr_image.render(text, max_version=MAX_VERSION["reference"])
        with self._lock:
            self._items[text] = rendered
            self._items.move_to_end(text)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return rendered


def reference_text(licence: Licence, *, issuer: str, references: ReferenceKeys) -> str:
    """The licence's reference URL; raises credentials.errors.ReferenceUnavailable."""
    return layout.reference_url(issuer, licence.identifier, references.token_of(licence))


def offline_image(session: Session, sessions: sessionmaker[Session],
                  licence: Licence) -> QrImage:
    """The stored image of the offline form, rendered and stored first if needed.

    Read in the caller's ``session``; a new image is stored in its own short
    transaction on ``sessions``: it is a cache row, shared by every later request,
    and another worker storing the same symbol first must not fail this read.
    Raises credentials.formats.errors.QrTooLarge if the text does not fit.
    """
    found = session.get(QrImage, (licence.identifier, "offline"))
    if found is not None:
        return found
    rendered = qr_image.render(licence.offline_qr, max_version=MAX_VERSION["offline"])
    row = QrImage(identifier=licence.identifier, kind="offline", png=rendered.png,
                  svg=rendered.svg, version=rendered.version)
    try:
        with sessions.begin() as own:
            own.add(row)
    except IntegrityError:
        pass  # another worker rendered it first: the same symbol
    return row


def reference_image(cache: ReferenceImageCache, licence: Licence, *, issuer: str,
                    references: ReferenceKeys) -> qr_image.QrImage:
    """The reference form's image, never stored.

    Raises credentials.errors.ReferenceUnavailable or formats.errors.QrTooLarge.
    """
    return cache.render(reference_text(licence, issuer=issuer, references=references))
