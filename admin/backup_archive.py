"""The backup archive: a tar file holding the database dump and a manifest.

``manifest.json`` says what the dump is: the archive format version, when it was
made, the database kind and server version, each package's schema head (Alembic),
the dump's SHA-256 and size, and a KEK check value. The check value is an HMAC under a
key derived from the KEK for this purpose only (keys.derive_key, "backup-kek-check"):
it tells a restore whether it runs under the same KEK without the archive holding
the KEK or anything from which it could be found. The archive holds no secret key
either; private signing keys are in the dump only as the database has them, sealed
under the KEK.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keys import derive_key

FORMAT = "onegate-backup"
VERSION = 1
MANIFEST = "manifest.json"
#: Member names of the dump, by database kind.
DUMP = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot be done; ``str()`` is one readable line."""


def kek_check(kek: bytes) -> str:
    """The manifest's check value of ``kek`` (reveals nothing of it)."""
    return hmac.new(derive_key(kek, "backup-kek-check"), b"onegate backup archive",
                    hashlib.sha256).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    """What an archive says about its dump."""

    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return self.data["database"]

    @property
    def member(self) -> str:
        return DUMP[self.kind]


def write(archive: Path, dump: Path, manifest: dict[str, Any]) -> Manifest:
    """Write ``archive`` (mode 0600) from ``dump`` and ``manifest`` (completed with the
    dump's checksum and size); raises BackupError if it cannot be written."""
    manifest = {**manifest, "format": FORMAT, "version": VERSION,
                "sha256": sha256_file(dump), "size": dump.stat().st_size}
    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
    try:
        archive.touch(mode=0o600, exist_ok=True)
        archive.chmod(0o600)
        with tarfile.open(archive, "w") as tar:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(dump, arcname=DUMP[manifest["database"]], recursive=False)
    except OSError as exc:
        raise BackupError(f"cannot write {archive}: {exc.strerror or exc}") from None
    return Manifest(manifest)


def read(archive: Path, into: Path) -> tuple[Manifest, Path]:
    """The archive's manifest and its dump extracted into the folder ``into``, checked
    against the manifest's checksum. Raises BackupError (unreadable, not ours, another
    format version, a damaged or altered dump)."""
    try:
        with tarfile.open(archive, "r") as tar:
            manifest = _manifest(tar)
            member = tar.getmember(manifest.member)
            if not member.isfile():
                raise BackupError(f"{archive}: {manifest.member} is not a file")
            target = into / manifest.member
            with tar.extractfile(member) as src, target.open("wb") as dst:  # type: ignore[union-attr]
                for block in iter(lambda: src.read(1 << 20), b""):
                    dst.write(block)
    except (OSError, tarfile.TarError, KeyError) as exc:
        raise BackupError(f"{archive} is not a readable onegate backup: {exc}") from None
    if sha256_file(target) != manifest.data.get("sha256"):
        raise BackupError(f"{archive} is damaged: the database dump does not match the "
                          "checksum in its manifest")
    return manifest, target


def _manifest(tar: tarfile.TarFile) -> Manifest:
    handle = tar.extractfile(MANIFEST)
    if handle is None:
        raise BackupError("the archive has no manifest")
    try:
        data = json.loads(handle.read(1 << 20))
    except ValueError:
        raise BackupError("the archive's manifest is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("not an onegate backup (no onegate manifest)")
    if data.get("version") != VERSION or data.get("database") not in DUMP:
        raise BackupError(f"backup format {data.get('version')!r} of "
                          f"{data.get('database')!r} is not one this version restores")
    return Manifest(data)
