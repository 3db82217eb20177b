"""QR codes of short URLs the provider shows on its own pages (the login page's
"scan with your phone"), as SVG data URIs: ``img-src data:`` is allowed by the CSP,
an inline ``<svg>`` with style attributes would not be."""

from __future__ import annotations

import base64

import qrcode
import qrcode.constants
import qrcode.image.svg

#: A fixed mask skips the mask search, most of a QR code's rendering time (DESIGN.md);
#: any of the eight masks decodes, the search only makes scanning a little easier.
MASK = 2


def svg_data_uri(text: str) -> str:
    """``data:image/svg+xml;base64,...`` of a QR code of ``text`` (error correction M,
    quiet zone of 4 modules, white background)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                         mask_pattern=MASK, image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(text)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
