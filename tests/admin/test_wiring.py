"""The wiring of issue 9: packages get their dependencies handed to them, never looked
up by name; create_app builds one Services; two apps in one process share nothing."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

from tests import conftest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("idp", "credentials", "verify", "audit", "admin", "keys", "identifiers", "edge")

_LOOKUPS = {"get", "setdefault", "pop"}


def _code_tokens(source: str) -> list[tokenize.TokenInfo]:
    """The tokens that are code: no comments, no strings (docstrings included)."""
    skip = {tokenize.COMMENT, tokenize.STRING, tokenize.NL, tokenize.NEWLINE,
            tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}
    return [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type not in skip and not t.type == getattr(tokenize, "FSTRING_START", -1)]


def offences(source: str) -> list[tuple[int, str]]:
    """(line, what) for each dependency lookup in ``source``: ``current_app`` used for
    anything but the app object itself (``_get_current_object()``), a string-keyed
    ``.extensions[...]`` / ``.extensions.get(...)``, or a key made of ``id(...)``
    (a cache that outlives, or is shared with, the object it belongs to)."""
    tokens = _code_tokens(source)
    found = []
    for i, token in enumerate(tokens):
        after = [t.string for t in tokens[i + 1:i + 3]]
        before = tokens[i - 1].string if i else ""
        if token.string == "current_app" and not _imported(tokens, i) \
                and after != [".", "_get_current_object"]:
            found.append((token.start[0], "current_app"))
        elif token.string == "extensions" and before == "." and after[:1] == ["["]:
            found.append((token.start[0], "extensions[...]"))
        elif token.string == "extensions" and before == "." and after[:1] == ["."] \
                and tokens[i + 2].string in _LOOKUPS:
            found.append((token.start[0], f"extensions.{tokens[i + 2].string}(...)"))
        elif token.string == "id" and after[:1] == ["("] and before not in (".", "def"):
            found.append((token.start[0], "a key made of id(...)"))
    return found


def _imported(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    line = tokens[i].start[0]
    first = next(t for t in tokens if t.start[0] == line)
    return first.string in ("from", "import")


def _scan() -> list[str]:
    listed = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if "/migrations/" in name:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, what in offences(path.read_text(encoding="utf-8")):
                listed.append(f"{name}:{number}: {what}: {lines[number - 1].strip()}")
    return listed


def test_no_package_looks_its_dependencies_up_by_name():
    found = _scan()
    assert not found, "dependencies looked up by name:\n" + "\n".join(found)


@pytest.mark.parametrize("source, expected", [
    ("from flask import current_app\nx = current_app.config['A']\n", [(2, "current_app")]),
    ("def f(app):\n    return app.extensions['onegate.sessions']\n",
     [(2, "extensions[...]")]),
    ("s = app.extensions.get(KEY)\n", [(1, "extensions.get(...)")]),
    ("_cache = {}\ndef f(r):\n    return _cache.get(id(r))\n", [(3, "a key made of id(...)")]),
    ("f(current_app)\n", [(1, "current_app")]),
])
def test_the_scan_finds_each_kind_of_lookup(source, expected):
    assert offences(source) == expected


@pytest.mark.parametrize("source", [
    "from flask import current_app, g\n",
    "app = current_app._get_current_object()\n",
    "# current_app.extensions['x'] in a comment\n",
    '"""current_app.extensions["x"] in a docstring"""\n',
    "def id(self):\n    return self.kid\nx = obj.id(3)\n",
    "client_id(3)\n",
])
def test_the_scan_passes_what_is_no_lookup(source):
    assert offences(source) == []


def test_create_app_builds_one_services_and_hands_it_to_admin_and_audit(migrated, tmp_path,
                                                                        monkeypatch):
    from admin import services as app_services
    from admin.app import create_app

    built = []
    real = app_services.build
    monkeypatch.setattr(app_services, "build", lambda values: built.append(1) or real(values))
    app = create_app(conftest.test_settings(migrated), instance_path=tmp_path)
    try:
        assert len(built) == 1
        assert isinstance(app.services, app_services.Services)
        assert app.audit.unit_of_work is app.services.unit_of_work
        assert app.audit.sessions is app.services.sessions
        assert app.audit.issuer == app.services.issuer == "http://localhost"
        with app.services.sessions() as session:  # every session carries the Trail
            from audit.trail import of

            assert of(session) is app.audit.trail
    finally:
        app.services.engine.dispose()


@pytest.fixture(scope="module")
def two_apps(tmp_path_factory):
    """Two apps in one process, each on a database of its own."""
    from admin import bootstrap
    from admin.app import create_app

    apps = []
    for name in ("a", "b"):
        folder = tmp_path_factory.mktemp(f"wiring-{name}")
        app = create_app(conftest.test_settings(f"sqlite:///{folder / 'onegate.db'}"),
                         instance_path=folder)
        bootstrap.upgrade(app)
        bootstrap.ensure_provider_keys(app)
        apps.append(app)
    yield apps
    for app in apps:
        app.services.engine.dispose()


def test_two_apps_have_their_own_key_rings(two_apps):
    import jwt

    from keys import KeysError

    a, b = two_apps
    assert a.services.keyring is not b.services.keyring
    token = a.services.keyring.sign_jwt("provider", "ES256", {"sub": "x"})
    kid = jwt.get_unverified_header(token)["kid"]
    assert a.services.keyring.decode_jwt(token, algorithms=["ES256"])["sub"] == "x"
    with pytest.raises((KeysError, jwt.InvalidTokenError, ValueError)):
        b.services.keyring.decode_jwt(token, algorithms=["ES256"])
    assert kid in {k["kid"] for k in a.test_client().get("/jwks").get_json()["keys"]}
    assert kid not in {k["kid"] for k in b.test_client().get("/jwks").get_json()["keys"]}
    audit_kids = [{k["kid"] for k in app.audit.trail.signer.jwks()["keys"]} for app in two_apps]
    assert audit_kids[0] and audit_kids[1] and not audit_kids[0] & audit_kids[1]


def test_two_apps_have_their_own_units_of_work_caches_and_metrics(two_apps):
    a, b = two_apps
    for part in ("engine", "sessions", "unit_of_work", "access_tokens"):
        assert getattr(a.services, part) is not getattr(b.services, part), part
    assert a.audit.publisher is not b.audit.publisher
    assert a.audit.trail.chain_key == b.audit.trail.chain_key  # the same KEK in both
    with a.services.unit_of_work.scope():
        a.services.unit_of_work.session()
        assert a.services.unit_of_work.active and not b.services.unit_of_work.active
    assert a.metrics.registry is not b.metrics.registry
    for _ in range(3):
        assert a.test_client().get("/healthz").status_code == 200
    count = 'onegate_http_requests_total{endpoint="health.healthz",method="GET",status="200"}'
    assert f"{count} 3.0" in a.test_client().get("/metrics").get_data(as_text=True)
    assert count not in b.test_client().get("/metrics").get_data(as_text=True)


def test_two_apps_audit_into_their_own_trails(two_apps):
    from audit import log

    a, b = two_apps
    with a.services.unit_of_work.scope():
        log.append(a.services.unit_of_work.session(), actor="test", action="test.wiring",
                   subject="a")
    for app, expected in ((a, 1), (b, 0)):
        with app.services.unit_of_work.scope():
            rows = [e for e in log.recent(app.services.unit_of_work.session(), 100)
                    if e.action == "test.wiring"]
        assert len(rows) == expected
