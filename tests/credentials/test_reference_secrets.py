"""The online reference token is a secret: nothing at rest holds it (no stored image, no
row), it is keyed from the KEK (rotating SECRET_KEY keeps references working), and
licences issued under the older SECRET_KEY-derived key keep their token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import urlsplit

from sqlalchemy import (
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    cast,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.types import JSON

from credentials.models import Licence, QrImage
from tests import conftest
from tests.credentials.conftest import count
from tests.credentials.helpers import dept_headers
from verify.images import decode_qr

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _issue(client, app, dept) -> tuple[dict, dict]:
    h = dept_headers(app, dept)
    response = client.post("/api/v1/licenses", json=dept.body(), headers=h)
    assert response.status_code == 201
    return response.get_json(), h


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _token(reference_url: str) -> str:
    query = urlsplit(reference_url).query
    assert query.startswith("t=")
    return query.removeprefix("t=")


def _rows_holding(app, token: str) -> list[str]:
    """Every table.column of the database whose stored value holds ``token``: text and
    JSON columns by substring, binary columns by bytes and, for PNGs, by decoding."""
    engine = app.services.engine
    found = []
    with engine.connect() as conn:
        for name in inspect(engine).get_table_names():
            table = Table(name, MetaData(), autoload_with=conn)
            for column in table.columns:
                if isinstance(column.type, (String, Text, JSON)):
                    hit = conn.execute(select(func.count()).select_from(table).where(
                        cast(column, Text).contains(token, autoescape=True))).scalar()
                    if hit:
                        found.append(f"{name}.{column.name}")
                elif isinstance(column.type, LargeBinary):
                    for (value,) in conn.execute(select(column).where(column.is_not(None))):
                        data = bytes(value)
                        if token.encode() in data or (
                                data.startswith(PNG_MAGIC) and token in decode_qr(data)):
                            found.append(f"{name}.{column.name}")
                            break
    return found


def test_reference_qr_leaves_no_token_at_rest(client, app, dept):
    licence, h = _issue(client, app, dept)
    token = _token(licence["links"]["reference_url"])
    for link in ("reference_qr_png", "reference_qr_svg", "qr_png"):
        response = client.get(_path(licence["links"][link]), headers=h)
        assert response.status_code == 200
    png = client.get(_path(licence["links"]["reference_qr_png"]), headers=h)
    assert decode_qr(png.data) == licence["links"]["reference_url"]
    assert _rows_holding(app, token) == []
    # The offline form is public data: still rendered once and kept.
    assert count(app, QrImage, identifier=licence["identifier"], kind="offline") == 1
    assert count(app, QrImage, identifier=licence["identifier"], kind="reference") == 0


def test_reference_qr_is_not_cached_by_browsers(client, app, dept):
    licence, h = _issue(client, app, dept)
    response = client.get(_path(licence["links"]["reference_qr_png"]), headers=h)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_rotating_secret_key_keeps_the_rendered_reference_working(client, app, dept,
                                                                  migrated, tmp_path):
    from admin.app import create_app

    licence, _ = _issue(client, app, dept)
    other = create_app(conftest.test_settings(migrated, SECRET_KEY="rotated-" + "r" * 40),
                       instance_path=tmp_path / "rotated")
    try:
        rotated = other.test_client()
        h = dept_headers(other, dept)
        png = rotated.get(_path(licence["links"]["reference_qr_png"]), headers=h)
        assert png.status_code == 200
        url = decode_qr(png.data)
        assert url == licence["links"]["reference_url"]
        page = rotated.get(_path(url))
        assert page.status_code == 200
        assert licence["identifier"] in page.get_data(as_text=True)
        again = rotated.get(_path(licence["links"]["self"]), headers=h).get_json()
        assert again["links"]["reference_url"] == licence["links"]["reference_url"]
    finally:
        other.services.engine.dispose()


def _legacy_token(secret_key: str, identifier: str) -> str:
    """The token licences issued before 0.2 carry: an HMAC under a sub-key of SECRET_KEY."""
    key = hmac.new(secret_key.encode(), b"onegate/credentials/reference-token/v1",
                   hashlib.sha256).digest()
    digest = hmac.new(key, identifier.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _make_legacy(app, identifier: str) -> str:
    token = _legacy_token(app.config["SECRET_KEY"], identifier)
    with app.services.sessions.begin() as session:
        session.execute(update(Licence).where(Licence.identifier == identifier).values(
            reference_hash=hashlib.sha256(token.encode()).hexdigest()))
    return token


def test_licence_issued_with_the_legacy_key_keeps_a_working_reference(client, app, dept):
    licence, h = _issue(client, app, dept)
    token = _make_legacy(app, licence["identifier"])
    again = client.get(_path(licence["links"]["self"]), headers=h).get_json()
    assert _token(again["links"]["reference_url"]) == token
    png = client.get(_path(licence["links"]["reference_qr_png"]), headers=h)
    assert png.status_code == 200
    url = decode_qr(png.data)
    assert _token(url) == token
    page = client.get(_path(url))
    assert page.status_code == 200 and licence["identifier"] in page.get_data(as_text=True)


def test_new_licences_are_keyed_from_the_kek_not_the_secret_key(client, app, dept):
    licence, _ = _issue(client, app, dept)
    token = _token(licence["links"]["reference_url"])
    assert token != _legacy_token(app.config["SECRET_KEY"], licence["identifier"])


def test_legacy_licence_after_secret_key_rotation_answers_a_problem(client, app, dept,
                                                                    migrated, tmp_path):
    """The old token cannot be derived any more: no broken QR, a problem saying to re-issue."""
    from admin.app import create_app

    licence, _ = _issue(client, app, dept)
    _make_legacy(app, licence["identifier"])
    other = create_app(conftest.test_settings(migrated, SECRET_KEY="rotated-" + "q" * 40),
                       instance_path=tmp_path / "rotated")
    try:
        rotated = other.test_client()
        h = dept_headers(other, dept)
        response = rotated.get(_path(licence["links"]["reference_qr_png"]), headers=h)
        assert response.status_code == 409
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["type"].endswith("/reference-unavailable")
        body = rotated.get(_path(licence["links"]["self"]), headers=h).get_json()
        assert "reference_url" not in body["links"]
    finally:
        other.services.engine.dispose()


def test_reference_image_cache_is_bounded_and_least_recently_used_goes_first():
    from credentials.qr import ReferenceImageCache

    cache = ReferenceImageCache(capacity=2)
    first = cache.render("http://localhost/v/a?t=1")
    cache.render("http://localhost/v/b?t=2")
    assert cache.render("http://localhost/v/a?t=1") is first  # a is now the most recent
    cache.render("http://localhost/v/c?t=3")  # evicts b
    assert len(cache) == 2
    assert cache.render("http://localhost/v/a?t=1") is first
    assert decode_qr(cache.render("http://localhost/v/b?t=2").png) == "http://localhost/v/b?t=2"
    assert len(cache) == 2


def test_migration_removes_stored_reference_images_and_keeps_offline_ones(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine, text

    from admin import db

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = db.alembic_config(engine)
    command.upgrade(config, "credentials_0003")
    with engine.begin() as conn:
        for kind in ("offline", "reference"):
            conn.execute(text(
                "INSERT INTO credential_qr_images (identifier, kind, png, svg, version, "
                "created_at) VALUES ('L', :kind, :png, '<svg/>', 3, '2026-01-01 00:00:00')"),
                {"kind": kind, "png": PNG_MAGIC})
    command.upgrade(config, "credentials_0004")
    with engine.connect() as conn:
        kinds = conn.execute(text("SELECT kind FROM credential_qr_images")).scalars().all()
    assert kinds == ["offline"]
    engine.dispose()


def test_reference_token_is_never_logged(client, app, dept, caplog):
    """Requesting, rendering and opening a reference, and verifying it through the API,
    leave the token in no log line (the access log records the path, not the query)
    and in no stored row (use records, audit entries)."""
    import logging

    from admin.observability import JsonFormatter

    licence, h = _issue(client, app, dept)
    url = licence["links"]["reference_url"]
    token = _token(url)
    caplog.set_level(logging.DEBUG)
    assert client.get(_path(licence["links"]["reference_qr_png"]), headers=h).status_code == 200
    assert client.get(_path(url)).status_code == 200
    assert client.get(f"/v/{licence['identifier']}?t=wrong{token}").status_code == 404
    verifier = dept_headers(app, dept, scope="licenses:verify")
    verified = client.post("/api/v1/verify", json={"credential": url, "purpose": "窗口核验"},
                           headers=verifier)
    assert verified.status_code == 200 and verified.get_json()["valid"] is True
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert any('"path": "/v/' in line for line in lines)  # the access log did run
    assert [line for line in lines if token in line] == []
    # The verification recorded a use and an audit entry: neither holds the URL.
    assert _rows_holding(app, token) == []
