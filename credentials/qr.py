"""QR images of a licence's two forms, rendered once and kept in ``credential_qr_images``.

Rendering costs tens of milliseconds (segno's mask search); a licence's text never
changes, so its images never need rendering twice.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from credentials import layout, references
from credentials.formats import qr_image
from credentials.models import Licence, QrImage

KINDS = ("offline", "reference")
#: The offline form must fit version 20; a URL is short, any version will do.
MAX_VERSION = {"offline": 20, "reference": 40}


def text_for(licence: Licence, kind: str, *, issuer: str, reference_key: bytes) -> str:
    if kind == "offline":
        return licence.offline_qr
    token = references.token_for(reference_key, licence.identifier)
    return layout.reference_url(issuer, licence.identifier, token)


def image(sessions: sessionmaker[Session], licence: Licence, kind: str, *, issuer: str,
          reference_key: bytes) -> QrImage:
    """The stored image of ``kind``, rendered and stored first if needed.

    Raises credentials.formats.errors.QrTooLarge if the text does not fit.
    """
    with sessions() as session:
        found = session.get(QrImage, (licence.identifier, kind))
        if found is not None:
            return found
    text = text_for(licence, kind, issuer=issuer, reference_key=reference_key)
    rendered = qr_image.render(text, max_version=MAX_VERSION[kind])
    row = QrImage(identifier=licence.identifier, kind=kind, png=rendered.png, svg=rendered.svg,
                  version=rendered.version)
    try:
        with sessions.begin() as session:
            session.add(row)
    except IntegrityError:
        pass  # another worker rendered it first: the same symbol
    return row
