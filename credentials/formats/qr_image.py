"""QR rendering (ISO/IEC 18004) of offline codes and links as PNG bytes and SVG text.

Base45 text uses only the QR alphanumeric alphabet, so alphanumeric mode (5.5 bits
per character instead of 8) keeps the symbol small. Error correction level Q
(about 25% recovery) survives creased paper and phone glare; quiet zone 4 modules
is the minimum ISO/IEC 18004 requires for QR.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno

from credentials.formats.base45 import ALPHABET
from credentials.formats.errors import QrTooLarge

QUIET_ZONE = 4
ERROR_LEVEL = "q"
DEFAULT_MAX_VERSION = 20
_ALPHANUMERIC = frozenset(ALPHABET)


@dataclass(frozen=True)
class QrImage:
    """A rendered QR symbol: ``version`` 1-40 and the ``mode`` segno encoded with."""

    png: bytes
    svg: str
    version: int
    mode: str


def render(text: str, *, max_version: int = DEFAULT_MAX_VERSION, scale: int = 4) -> QrImage:
    """Render ``text``; alphanumeric mode when every character is in the Base45 alphabet.

    Raises QrTooLarge if the symbol would exceed ``max_version``.
    """
    mode = "alphanumeric" if text and set(text) <= _ALPHANUMERIC else "byte"
    try:
        qr = segno.make_qr(text, error=ERROR_LEVEL, boost_error=False, mode=mode)
    except segno.DataOverflowError as exc:
        raise QrTooLarge("text does not fit any QR version at level Q") from exc
    if qr.version > max_version:
        raise QrTooLarge(f"needs QR version {qr.version}, limit is {max_version}")
    png = io.BytesIO()
    qr.save(png, kind="png", scale=scale, border=QUIET_ZONE)
    svg = io.BytesIO()
    qr.save(svg, kind="svg", scale=scale, border=QUIET_ZONE, xmldecl=False)
    return QrImage(
        png=png.getvalue(), svg=svg.getvalue().decode("utf-8"), version=qr.version, mode=qr.mode
    )
