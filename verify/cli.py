"""``onegate verify FILE|TEXT --bundle BUNDLE``: verification with no network at all,
and ``onegate verify-bundle fetch URL -o FILE`` to get the bundle while online.

Neither command needs the app or its database; register them in admin.cli's
NO_APP so they also run on a clerk's laptop without ONEGATE_* settings.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from verify import bundle as bundles
from verify import images
from verify.labels import STATUS, STEPS
from verify.pipeline import Verifier

IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"BM")
FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".jwt", ".txt", ".json")
#: Exit statuses, as the command's help says.
EXIT_VALID, EXIT_NOT_VALID, EXIT_UNUSABLE = 0, 1, 2


class Unusable(click.ClickException):
    """Unusable input or bundle: exit status 2 (1 is kept for "not valid")."""

    exit_code = EXIT_UNUSABLE


@click.command("verify")
@click.argument("credential")
@click.option("--bundle", "bundle_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Offline bundle from `onegate verify-bundle fetch` or /api/v1/offline-bundle.")
@click.option("--provider-jwks", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Pin the provider's JWKS instead of the one saved with the bundle.")
@click.option("--max-age-override", type=click.IntRange(0), default=None,
              help="Accept a bundle up to this many seconds old instead of its own max-age.")
@click.option("--allow-stale", is_flag=True, help="Verify even with a bundle past its max-age.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify_command(credential: str, bundle_path: Path, provider_jwks: Path | None,
                   max_age_override: int | None, allow_stale: bool, as_json: bool) -> None:
    """Verify an SD-JWT VC, an offline QR text (LIC1:...) or a QR image file, offline.

    Exit status: 0 valid, 1 not valid, 2 unusable input or bundle.
    """
    now = int(time.time())
    loaded = _load_bundle(bundle_path, provider_jwks)
    age = bundles.describe_age(loaded.age(now))
    try:
        loaded.check_fresh(now, max_age_override)
    except bundles.BundleStale as exc:
        if not allow_stale:
            raise Unusable(f"{exc}. Fetch a new bundle, or pass --allow-stale "
                                       "to verify against old revocation data.") from exc
        click.echo(f"WARNING: {exc}; verifying anyway (--allow-stale)", err=True)
    text = _credential_text(credential)
    result = Verifier(trust=loaded.trust, status=loaded.status, clock=lambda: now).verify(text)
    _print(result, age, loaded, as_json)
    raise SystemExit(EXIT_VALID if result.valid else EXIT_NOT_VALID)


def _load_bundle(path: Path, provider_jwks: Path | None) -> bundles.Bundle:
    try:
        pinned = json.loads(provider_jwks.read_text("utf-8")) if provider_jwks else None
        return bundles.load(path.read_text("utf-8"), pinned)
    except (bundles.BundleError, ValueError, OSError) as exc:
        raise Unusable(f"cannot use the bundle {path}: {exc}") from exc


def _credential_text(credential: str) -> str:
    """The credential: the argument itself, or the text or QR image in the file it names.
    An argument that looks like a file path but names no file is refused (exit 2), not
    verified as text and called invalid."""
    path = Path(credential)
    try:
        is_file = len(credential) < 4096 and path.is_file()
    except OSError:
        is_file = False
    if not is_file:
        if _looks_like_path(credential):
            raise Unusable(f"file not found: {credential}")
        return credential
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Unusable(f"cannot read {path}: {exc.strerror or exc}") from exc
    if data.startswith(IMAGE_MAGIC):
        try:
            return images.decode_qr(data)
        except images.ImageRejected as exc:
            raise Unusable(f"{path}: {exc}") from exc
    return data.decode("utf-8", errors="replace").strip()


def _looks_like_path(text: str) -> bool:
    """Credential text never looks like this: offline codes (whose alphabet has ``/``)
    start with LIC1:, reference URLs with a scheme, SD-JWTs carry ``~``."""
    stripped = text.strip()
    if stripped.upper().startswith("LIC1:") or "://" in stripped or "~" in stripped:
        return False
    return ("/" in stripped or "\\" in stripped
            or stripped.lower().endswith(FILE_SUFFIXES))


def _print(result, age: str, loaded: bundles.Bundle, as_json: bool) -> None:
    # The public reason, as the online check gives it: only for a revoked or suspended
    # licence, from the bundle's signed public_reasons (absent from older bundles).
    reason = (loaded.reasons.of(result.status_reference)
              if result.status in ("revoked", "suspended") else None)
    if as_json:
        click.echo(json.dumps({**result.to_json(), "bundle_age": age,
                               "bundle_pinned": loaded.pinned, "status_reason": reason},
                              ensure_ascii=False, indent=2))
        return
    zh, en, _ = STATUS[result.status]
    click.echo(f"{zh} / {en.upper()}  (status: {result.status})")
    if reason:
        click.echo(f"公开原因 / public reason: {reason['label_zh']} / {reason['label_en']} "
                   f"({reason['code']})")
    for check in result.checks:
        mark = {True: "ok  ", False: "FAIL", None: "-   "}[check.ok]
        click.echo(f"  {mark} {STEPS.get(check.step, check.step)} [{check.step}]: "
                   f"{check.reason_zh or check.reason}" + (
                       f" ({check.reason})" if check.ok is False else ""))
    if result.license:
        lic = result.license
        click.echo(f"licence {lic['identifier']} type {lic['type']} by {lic['issuer_name']}")
        for item in lic.get("display") or []:
            click.echo(f"  {item['label']} [{item['claim']}]: {item['value']}")
    trust = "pinned provider key" if loaded.pinned else "provider key saved with the bundle"
    click.echo(f"bundle age: {age} (signature checked with the {trust})")


@click.group("verify-bundle")
def bundle_group() -> None:
    """Offline bundles for `onegate verify`."""


@bundle_group.command("fetch")
@click.argument("url")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
def fetch_command(url: str, output: Path) -> None:
    """Download the bundle from URL (the service's base URL) and save it with its key."""
    import requests

    base = url.rstrip("/").removesuffix("/api/v1/offline-bundle")
    try:
        response = requests.get(base + "/api/v1/offline-bundle", params={"format": "json"},
                                timeout=30)
        response.raise_for_status()
        body = response.json()
        loaded = bundles.load(json.dumps(body))
    except (requests.RequestException, ValueError, bundles.BundleError) as exc:
        raise click.ClickException(f"cannot fetch a bundle from {base}: {exc}") from exc
    output.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    click.echo(f"saved {output}: {len(loaded.trust.issuers())} issuers, "
               f"{len(loaded.status.tokens)} status lists, max-age "
               f"{bundles.describe_age(loaded.max_age)}")
