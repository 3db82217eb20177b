"""Development secrets generated under ``instance/`` (mode 0600) and the KEK loader.

Production never reaches the generating branch: ``admin.config`` refuses to
start there without explicit secrets.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from admin.settings import ConfigError


def _b64decode(text: str) -> bytes:
    padded = text.strip() + "=" * (-len(text.strip()) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def parse_kek(text: str, name: str = "KEK") -> bytes:
    """32 raw bytes from base64url text; raises ConfigError naming ``name``."""
    try:
        kek = _b64decode(text)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise ConfigError(name, "is not base64url text") from None
    if len(kek) != 32:
        raise ConfigError(name, f"must decode to 32 bytes (AES-256), got {len(kek)}")
    return kek


def read_secret_file(path: Path, name: str) -> str:
    """The stripped text of a secret file; raises ConfigError if unreadable."""
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(name, f"cannot read {path}: {exc.strerror or exc}") from None


def generated_secret(path: Path, nbytes: int = 32) -> str:
    """Read, or on first use create with mode 0600, a random base64url secret."""
    if path.exists():
        return read_secret_file(path, path.stem.upper())
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = base64.urlsafe_b64encode(secrets.token_bytes(nbytes)).decode().rstrip("=")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value


def new_kek_text() -> str:
    """A fresh KEK as base64url text, for `onegate keys new-kek`."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
