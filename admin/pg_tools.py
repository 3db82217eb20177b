"""``pg_dump`` and ``pg_restore`` (custom format) for backups of a PostgreSQL database.

Found on PATH; the password, if the URL has one, goes in ``PGPASSWORD`` (never on the
command line, which other users can read). ``pg_dump`` refuses a server newer than
itself: that is reported as such, naming both versions.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import make_url

from admin.backup_archive import BackupError


def tool(name: str) -> str:
    """The path of ``name`` on PATH; raises BackupError when missing."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found on PATH: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client) matching the server's "
                          "major version")
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    # argv is a tool found on PATH and our own arguments; no shell is involved.
    result = subprocess.run(argv, env=env, capture_output=True, text=True,  # noqa: S603
                            check=False)
    if result.returncode == 0:
        return
    message = (result.stderr or result.stdout).strip()
    if "server version mismatch" in message or "aborting because of server version" in message:
        raise BackupError(f"{what}: the client tools are older than the server ({_last(message)}); "
                          "install the PostgreSQL client tools of the server's major version")
    if "unsupported version" in message:
        raise BackupError(f"{what}: the dump was made by a newer pg_dump than this "
                          f"pg_restore ({_last(message)}); install the newer client tools")
    raise BackupError(f"{what} failed: {_last(message)}")


def _last(message: str) -> str:
    lines = [line for line in message.splitlines() if line.strip()]
    return re.sub(r"\s+", " ", " ".join(lines[-2:]))[:400] if lines else "no output"


def dump(url: str, target: Path) -> None:
    """Dump the database at ``url`` into ``target`` (custom format, no owners or
    grants, so it restores under another role). Raises BackupError."""
    connection, env = _libpq(url)
    _run([tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}", f"--dbname={connection}"], env, "pg_dump")


def restore(url: str, source: Path) -> None:
    """Load a custom-format dump into the (empty) database at ``url``, all or nothing.
    Raises BackupError."""
    connection, env = _libpq(url)
    _run([tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", f"--dbname={connection}", str(source)], env, "pg_restore")


def client_version() -> str:
    """``pg_dump --version``'s version number, for the manifest."""
    out = subprocess.run([tool("pg_dump"), "--version"], capture_output=True, text=True,  # noqa: S603
                         check=False).stdout
    match = re.search(r"(\d+(?:\.\d+)*)", out)
    return match.group(1) if match else "unknown"
