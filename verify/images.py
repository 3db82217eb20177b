"""QR images to text with zxing-cpp, before the pipeline: photos of a printed licence
or a phone screen. Hostile uploads are bounded by bytes and by pixels."""

from __future__ import annotations

import io
import warnings

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000


class ImageRejected(ValueError):
    """Not an image we accept (``status`` is the HTTP status to answer with)."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def decode_qr(data: bytes) -> str:
    """The text of the first QR code in the image.

    Raises ImageRejected: too big (413), not a readable image (415), no QR code (422).
    """
    if len(data) > MAX_BYTES:
        raise ImageRejected(f"image larger than {MAX_BYTES // (1024 * 1024)} MiB", 413)
    image = _open(data)
    import zxingcpp

    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    texts = [r.text for r in results if r.valid and r.text]
    if not texts:
        raise ImageRejected("no readable QR code in the image")
    return texts[0]


def _open(data: bytes):
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; we refuse below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        if image.format not in ("PNG", "JPEG", "WEBP", "GIF", "BMP"):
            raise ImageRejected("only PNG, JPEG, WebP, GIF or BMP images", 415)
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageRejected("image has too many pixels", 413)
        image.load()
        return image.convert("L")
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRejected("image has too many pixels", 413) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageRejected("not a readable image", 415) from exc
