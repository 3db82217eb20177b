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
            raise click.ClickException(f"{exc}. Fetch a new bundle, or pass --allow-stale "
                                       "to verify against old revocation data.") from exc
        click.echo(f"WARNING: {exc}; verifying anyway (--allow-stale)", err=True)
    text = _credential_text(credential)
    result = Verifier(trust=loaded.trust, status=loaded.status, clock=lambda: now).verify(text)
    _print(result, age, loaded, as_json)
    raise SystemExit(0 if result.valid else 1)


def _load_bundle(path: Path, provider_jwks: Path | None) -> bundles.Bundle:
    try:
        pinned = json.loads(provider_jwks.read_text("utf-8")) if provider_jwks else None
        return bundles.load(path.read_text("utf-8"), pinned)
    except (bundles.BundleError, ValueError, OSError) as exc:
        raise click.ClickException(f"cannot use the bundle {path}: {exc}") from exc


def _credential_text(credential: str) -> str:
    path = Path(credential)
    try:
        is_file = len(credential) < 4096 and path.is_file()
    except OSError:
        is_file = False
    if not is_file:
        return credential
    data = path.read_bytes()
    if data.startswith(IMAGE_MAGIC):
        try:
            return images.decode_qr(data)
        except images.ImageRejected as exc:
            raise click.ClickException(f"{path}: {exc}") from exc
    return data.decode("utf-8", errors="replace").strip()


def _print(result, age: str, loaded: bundles.Bundle, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({**result.to_json(), "bundle_age": age,
                               "bundle_pinned": loaded.pinned}, ensure_ascii=False, indent=2))
        return
    zh, en, _ = STATUS[result.status]
    click.echo(f"{zh} / {en.upper()}  (status: {result.status})")
    for check in result.checks:
        mark = {True: "ok  ", False: "FAIL", None: "-   "}[check.ok]
        click.echo(f"  {mark} {STEPS.get(check.step, check.step)} [{check.step}]: {check.reason}")
    if result.license:
        lic = result.license
        click.echo(f"licence {lic['identifier']} type {lic['type']} by {lic['issuer_name']}")
        for name, value in (lic.get("claims") or {}).items():
            click.echo(f"  {name}: {value}")
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
