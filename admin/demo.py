"""Demo data for `make run`: halls, departments, licence types, two holders and the
console's staff (a platform administrator, a department administrator, a hall
administrator, a counter clerk and an auditor).

Passwords and client secrets are random, generated on the first load and kept in
``demo-logins.json`` in the instance folder (mode 0600) so later runs print the same
logins; a secret whose record was lost is replaced, so every run prints logins that work.
Nothing here is loaded in production.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from identifiers import citizen_id_check_character, uscc_check_character
from idp import accounts, halls, representation, staff
from idp.clients import ClientSecrets, new_secret
from idp.clients_cli import NewClient, create
from idp.models.accounts import Account
from idp.models.clients import OAuthClient

if TYPE_CHECKING:
    from admin.edge import OnegateFlask

CITIZEN_ID_BODY = "44010619900307001"  # Guangzhou Tianhe, born 1990-03-07
ENTERPRISE_USCC_BODY = "91440101MA59XJ7K2"  # a Guangzhou enterprise (fictional)
HALLS = (  # client_id, name, port of its redirect URI, token endpoint auth method
    ("demo-hall-tianhe", "广州市天河区政务服务中心", 8101, "client_secret_basic"),
    ("demo-hall-shunde", "佛山市顺德区行政服务中心", 8102, "client_secret_basic"),
    ("demo-hall-kiosk", "村级便民服务站自助终端", 8103, "client_secret_basic"),
    # A browser application (oidc-client-ts and the like): public, PKCE only.
    ("demo-hall-spa", "粤省事 网页版 (browser app)", 8105, "none"),
)


def _citizen_id() -> str:
    return CITIZEN_ID_BODY + citizen_id_check_character(CITIZEN_ID_BODY)


def _uscc() -> str:
    return ENTERPRISE_USCC_BODY + uscc_check_character(ENTERPRISE_USCC_BODY)


def _secrets_file(app: OnegateFlask) -> Path:
    return Path(app.services.settings["INSTANCE_PATH"]) / "demo-logins.json"


def _remembered(app: OnegateFlask) -> dict:
    path = _secrets_file(app)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _remember(app: OnegateFlask, data: dict) -> None:
    """Write the logins atomically (a temporary file renamed over the old one), creating
    the instance folder when settings came from the environment only."""
    path = _secrets_file(app)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _people(person_id: str, enterprise_uscc: str) -> list[tuple[str, accounts.NewAccount]]:
    return [
        ("person", accounts.NewAccount(username="zhangsan", password="", display_name="张三",
                                       id_number=person_id, phone="13800138000",
                                       email="zhangsan@example.cn")),
        ("enterprise", accounts.NewAccount(username="lingnan-tech", password="",
                                           display_name="广州岭南科技有限公司",
                                           uscc=enterprise_uscc, phone="13900139000")),
        *[("staff", accounts.NewAccount(username=username, password="", display_name=name))
          for username, name, _ in STAFF],
    ]


#: The console's demo staff: username, name, their roles (role, scope). Each enrols
#: an authenticator at the first console sign-in (the console wants loa-2).
STAFF = (
    ("operator", "省政务服务数据管理局运维", ((staff.PLATFORM_ADMIN, ""),)),
    ("dept-admin", "省市场监管局 证照管理员", ((staff.DEPARTMENT_ADMIN, "gdamr"),)),
    ("hall-admin", "天河区政务服务中心 管理员", ((staff.HALL_ADMIN, "tianhe"),)),
    ("clerk", "天河区政务服务中心 窗口柜员", ((staff.CLERK, "tianhe"),)),
    ("auditor", "省政务服务数据管理局 审计员", ((staff.AUDITOR, ""),)),
)
#: code, name, level, region; a hall's relying parties name it (HALLS below).
DEMO_HALLS = (
    ("tianhe", "广州市天河区政务服务中心", "county", "广州市天河区"),
    ("shunde", "佛山市顺德区行政服务中心", "county", "佛山市顺德区"),
    ("village-001", "天河区车陂村便民服务站", "village", "广州市天河区车陂街道"),
)
HALL_OF_CLIENT = {"demo-hall-tianhe": "tianhe", "demo-hall-shunde": "shunde",
                  "demo-hall-kiosk": "village-001"}


def _load_staff_roles(session) -> None:
    """The demo halls and the staff's roles (idempotent)."""
    from idp.errors import UnknownHall

    for code, name, level, region in DEMO_HALLS:
        try:
            halls.get(session, code)
        except UnknownHall:
            halls.add(session, code, name, level, region)
    for username, _, roles in STAFF:
        account = session.scalar(select(Account).where(Account.username == username))
        for role, scope in roles:
            staff.grant(session, account, staff.Grant(role, scope), "demo")


def _load_people(session, known: dict) -> list[str]:
    creators = {"person": accounts.create_person, "enterprise": accounts.create_enterprise,
                "staff": accounts.create_staff}
    lines, made = [], {}
    for kind, data in _people(_citizen_id(), _uscc()):
        existing = session.scalar(select(Account).where(Account.username == data.username))
        if kind == "enterprise":
            # No password: the enterprise acts through zhangsan, its legal representative.
            made[kind] = existing or creators[kind](session, data)
            lines.append(f"  {kind:<10} {data.username:<20} no password: log in as zhangsan "
                         "and choose the enterprise")
            continue
        if existing is None:
            data.password = known.get(data.username) or secrets.token_urlsafe(12)
            made[kind] = creators[kind](session, data)
            known[data.username] = data.password
        else:
            made[kind] = existing
            if data.username not in known:  # its password was lost with an earlier printout
                known[data.username] = secrets.token_urlsafe(12)
                accounts.change_password(session, existing, known[data.username])
        lines.append(f"  {kind:<10} login {data.username:<14} password {known[data.username]}")
    if not accounts.enterprises_of(session, made["person"]):
        representation.represent(session, made["enterprise"], made["person"], role="legal",
                                 granted_by="demo")
    return lines


def _load_halls(session, issuer: str, known: dict, keys: ClientSecrets) -> list[str]:
    lines = []
    for client_id, name, port, auth_method in HALLS:
        public = auth_method == "none"
        existing = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
        if existing is not None:
            secret = _known_secret(existing, known, keys)
            existing.hall_code = existing.hall_code or HALL_OF_CLIENT.get(client_id)
        else:
            _, secret = create(session, client_secrets=keys, new=NewClient(
                name=name, client_id=client_id, auth_method=auth_method,
                redirect_uris=[f"http://127.0.0.1:{port}/callback"],
                post_logout_redirect_uris=[f"http://127.0.0.1:{port}/"],
                backchannel_logout_uri=None if public else
                f"http://127.0.0.1:{port}/backchannel-logout",
                scopes=["openid", "profile", "email", "phone", "identity", "enterprise"],
                trusted=True))
            _set_hall(session, client_id)
            known[client_id] = secret
        credential = "public client (PKCE, no secret)" if public else f"secret {secret}"
        lines.append(f"  hall {client_id:<18} {credential}  redirect "
                     f"http://127.0.0.1:{port}/callback  ({name})")
    return lines


def _set_hall(session, client_id: str) -> None:
    row = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    row.hall_code = HALL_OF_CLIENT.get(client_id)


def _known_secret(row: OAuthClient, known: dict, keys: ClientSecrets) -> str:
    """The remembered secret, or a new one when an earlier printout was lost: the demo
    always prints logins that work."""
    if row.client_id not in known:
        known[row.client_id] = new_secret()
        row.secret_hash = keys.hash(known[row.client_id])
    return known[row.client_id]


def load(app: OnegateFlask) -> list[str]:
    """Create (once) and describe the demo data; returns lines to print.

    Accounts, clients and the file that remembers their secrets are made together: the
    file is written before the transaction commits, so a failure leaves neither.
    Raises RuntimeError in production and OSError when the logins file cannot be written.
    """
    if app.services.settings["ENV"] == "production":
        raise RuntimeError("demo data is never loaded in production")
    from credentials import demo as credentials_demo

    # Fail before creating anything when the logins cannot be kept.
    _secrets_file(app).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    issuer = app.services.issuer
    catalogue = credentials_demo.load(app.services.sessions, app.services.keyring, issuer)
    known = _remembered(app)
    keys = ClientSecrets.from_keys(app.services.settings["KEK_BYTES"],
                                   app.services.settings["SECRET_KEY"])
    work = app.services.unit_of_work
    with work.scope():
        session = work.session()
        people = _load_people(session, known)
        _load_staff_roles(session)
        hall_lines = _load_halls(session, issuer, known, keys)
        systems = _department_systems(session, known, keys)
        session.flush()
        _remember(app, known)
    return ["demo logins (kept in " f"{_secrets_file(app)}):", *people,
            f"console: {issuer}/admin (staff sign in at loa-2: the first sign-in enrols "
            "an authenticator app)",
            "demo halls (OpenID Connect clients; discovery at "
            f"{issuer}/.well-known/openid-configuration):", *hall_lines,
            *catalogue, *systems, *_licences(app)]


def _department_systems(session, known: dict, keys: ClientSecrets) -> list[str]:
    """A department's issuing system (client_credentials) and a reusing department
    (code flow with the holder's consent)."""
    from credentials import catalogue
    from credentials.demo import BUSINESS_LICENCE, FOOD_PERMIT

    issue = [f"licenses:issue:{t.code}" for t in (BUSINESS_LICENCE, FOOD_PERMIT)]
    systems = (
        ("demo-dept-gdamr", "广东省市场监督管理局 证照签发系统", NewClient(
            name="", grant_types=["client_credentials"], scopes=[*issue, "licenses:verify"])),
        ("demo-dept-reuse", "广东省税务局 办税服务系统 (复用证照)", NewClient(
            name="", redirect_uris=["http://127.0.0.1:8104/callback"],
            scopes=["openid", "profile", "identity",
                    f"licenses:read:{BUSINESS_LICENCE.code}"])),
    )
    lines = []
    for client_id, name, new in systems:
        existing = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
        if existing is None:
            new.name, new.client_id = name, client_id
            known[client_id] = create(session, new, keys)[1]
        else:
            _known_secret(existing, known, keys)
        redirect = f"  redirect {new.redirect_uris[0]}" if new.redirect_uris else ""
        lines.append(f"  department system {client_id:<16} secret "
                     f"{known[client_id]}{redirect}  scopes {' '.join(new.scopes)}")
    catalogue.add_client(session, "gdamr", "demo-dept-gdamr")
    return ["demo department systems (OAuth clients):", *lines]


def _licences(app: OnegateFlask) -> list[str]:
    """Sample licences for the demo holders; idempotency keys make reloading a no-op."""
    from credentials import issuance
    from credentials.demo import BUSINESS_LICENCE, MARRIAGE_CERTIFICATE
    from credentials.issue_request import Holder, IssueRequest

    business = IssueRequest(
        type_code=BUSINESS_LICENCE.code, valid_from=None, valid_until=None,
        holder=Holder("001", _uscc(), "广州岭南科技有限公司"),
        claims={"entity_type": "有限责任公司（自然人投资或控股）", "legal_representative": "张三",
                "registered_capital": "人民币壹佰万元", "established": "2019-05-20",
                "business_term": "长期", "address": "广州市天河区天河路385号",
                "business_scope": "软件开发；信息技术咨询服务。",
                "registration_authority": "广州市天河区市场监督管理局"})
    marriage = IssueRequest(
        type_code=MARRIAGE_CERTIFICATE.code, valid_from=None, valid_until=None,
        holder=Holder("111", _citizen_id(), "张三"),
        claims={"certificate_number": "J440106-2021-000123", "registration_date": "2021-10-01",
                "spouse_name": "李梅", "registration_authority": "广州市天河区民政局"})
    lines = ["demo licences:"]
    for department, request, key in (("gdamr", business, "demo-business-licence"),
                                     ("gdmzt", marriage, "demo-marriage-certificate")):
        outcome = issuance.issue_many(app.credentials_services.deps, department, [request],
                                      scope="demo", keys_=[key])[0]
        if outcome.error is not None:
            raise RuntimeError(f"demo licence {key}: {outcome.error}")
        lines.append(f"  {outcome.licence.identifier}  {request.holder.name}")
    return lines
