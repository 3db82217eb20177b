"""Valid identifiers and ready accounts for the accounts tests (the DB is shared per run)."""

from __future__ import annotations

import random
import re
import time

import pyotp

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
PASSWORD = "correct horse battery"


def citizen_id() -> str:
    """A random ID number with a valid GB 11643 check character."""
    body = "440106" + f"{random.randint(1950, 2005)}{random.randint(1, 12):02d}" \
        f"{random.randint(1, 28):02d}" + f"{random.randint(0, 999):03d}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]


def uscc() -> str:
    """A random enterprise USCC (GB 32100) with a valid GB 11714 organisation code inside."""
    org = "".join(random.choice("0123456789") for _ in range(8))
    c9 = 11 - sum(int(d) * w for d, w in zip(org, ORG_WEIGHTS, strict=True)) % 11
    body = "91440106" + org + {10: "X", 11: "0"}.get(c9, str(c9))
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return body + USCC_CHARS[(31 - total % 31) % 31]


def phone() -> str:
    return "139" + f"{random.randint(0, 99_999_999):08d}"


def second_factor_keys(app):
    from idp.second_factor_keys import SecondFactorKeys

    return SecondFactorKeys.from_kek(app.config["ONEGATE"]["KEK_BYTES"],
                                     app.config["SECRET_KEY"])


def make_person(app, unique: str, *, with_totp: bool = False, **extra) -> dict:
    """Create a person (and optionally enrol TOTP); return the facts tests need."""
    from idp import accounts, totp
    from idp.accounts import NewAccount

    data = NewAccount(username=f"p{unique}", password=PASSWORD, display_name="张三",
                      id_number=citizen_id(), phone=phone(), email=f"p{unique}@example.cn")
    for key, value in extra.items():
        setattr(data, key, value)
    with app.app_context(), app.services.sessions.begin() as session:
        account = accounts.create_person(session, data)
        facts = {"id": account.id, "sub": account.sub, "username": account.username,
                 "id_number": account.id_number, "phone": account.phone}
        if with_totp:
            key = second_factor_keys(app)
            facts["totp_secret"] = totp.begin_enrolment(session, account, key)
            # Confirm with the previous step's code so the current one is still unused.
            previous = pyotp.TOTP(facts["totp_secret"]).at(time.time() - 30)
            facts["recovery_codes"] = totp.confirm_enrolment(
                session, account, key, previous, now=time.time() - 30)
    return facts


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, login_text: str, password: str = PASSWORD, base_url: str | None = None,
          **args):
    """GET the form (for its CSRF token), POST it; returns the POST response."""
    where = {"base_url": base_url} if base_url else {}
    if args.get("force"):
        args["force"] = "1"
    page = client.get("/login", query_string=args, **where)
    form = {"csrf_token": csrf(page.get_data(as_text=True)), "login": login_text,
            "password": password, "next": args.get("next", "/account")}
    if args.get("acr"):
        form["acr"] = args["acr"]
    if args.get("force"):
        form["force"] = "1"
    if base_url:  # Flask-WTF checks the Referer on https (WTF_CSRF_SSL_STRICT)
        where["headers"] = {"Referer": base_url + "/login"}
    return client.post("/login", data=form, **where)


def submit_code(client, code: str):
    page = client.get("/login/totp")
    return client.post("/login/totp",
                       data={"csrf_token": csrf(page.get_data(as_text=True)), "code": code})
