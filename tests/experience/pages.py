"""Every public page, reached as a person reaches it, for the layout and accessibility
survey: ``visit(page, world, name)`` leaves ``page`` showing that page."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

from tests.idp.protocol.helpers import REDIRECT

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

#: Rules left to people: none. (Kept as an explicit empty set so a future exception has
#: to be written here, with its reason.)
AXE_EXCEPTIONS: set[str] = set()


def _verify(page, world, state: str) -> None:
    page.goto(world.base + "/verify")
    page.fill("#credential", world.licences[state]["sd_jwt"])
    page.click("#paste-form button[type=submit]")
    page.locator("#result .verdict").wait_for(timeout=10_000)


def _unknown_redirect(page, world) -> None:
    query = urlencode({"client_id": world.hall["client_id"], "response_type": "code",
                       "redirect_uri": "https://elsewhere.example/cb", "scope": "openid"})
    page.goto(world.base + "/oauth/authorize?" + query)


def _wallet(page, world, path: str = "/wallet") -> None:
    page.goto(world.base + path)
    page.locator("#list-view:not([hidden]), #show-view:not([hidden]), "
                 "#present-view:not([hidden]), #print-view:not([hidden])"
                 ).wait_for(timeout=10_000)
    if path == "/wallet":
        page.locator("#uses li").first.wait_for(timeout=10_000)


def _withdraw_confirmation(page, world) -> None:
    """The question before a consent is withdrawn (nothing is withdrawn yet)."""
    page.goto(world.base + "/account/consents")
    page.locator("section.consent form button[type=submit]").first.click()
    page.locator("input[name=confirmed]").wait_for(state="attached")


def _consent(page, world) -> None:
    """The consent question: the hall asks for more than the person granted it."""
    query = urlencode({"client_id": world.hall["client_id"], "response_type": "code",
                       "redirect_uri": REDIRECT, "scope": "openid identity profile phone",
                       "state": "survey", "nonce": "survey",
                       "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                       "code_challenge_method": "S256"})
    page.goto(world.base + "/oauth/authorize?" + query)
    page.locator("form button[type=submit]").first.wait_for()


def _reference(page, world) -> None:
    """The result a phone's camera opens from a printed licence's reference QR."""
    page.goto(world.licences["valid"]["links"]["reference_url"])
    page.locator(".verdict").first.wait_for(timeout=10_000)


def _api_docs(page, world) -> None:
    page.goto(world.base + "/api/docs")
    page.locator(".opblock").first.wait_for(timeout=20_000)


def _representative_account(page, world):
    """The account page of a legal representative, with the form that authorises an
    agent: in a context of its own (same language and size), so the shared person stays
    signed in where they are. Returns that context's page, the one to check."""
    from tests.experience.conftest import login

    context = page.context.browser.new_context(
        locale=page.evaluate("navigator.language"), viewport=page.viewport_size,
        bypass_csp=True)  # to inject axe-core only, as in the survey's own contexts
    own = context.new_page()
    own.goto(world.base + "/login?next=/account&force=1")
    login(own, world.representative)
    own.wait_for_url(re.compile(r"/account$"))
    own.locator("input[name=id_number]").first.wait_for(state="attached")
    return own


PAGES = {
    "home": lambda page, world: page.goto(world.base + "/"),
    "login": lambda page, world: page.goto(world.base + "/login?next=/account&force=1"),
    "account": lambda page, world: page.goto(world.base + "/account"),
    "consents": lambda page, world: page.goto(world.base + "/account/consents"),
    "consent-withdraw": _withdraw_confirmation,
    "logout-confirm": lambda page, world: page.goto(world.base + "/oauth/logout"),
    "wallet": _wallet,
    "wallet-licence": lambda page, world: _wallet(
        page, world, "/wallet/l/" + world.licences["valid"]["identifier"]),
    "wallet-present": lambda page, world: _wallet(
        page, world, "/wallet/l/" + world.licences["valid"]["identifier"] + "/present"),
    "wallet-print": lambda page, world: _wallet(
        page, world, "/wallet/l/" + world.licences["valid"]["identifier"] + "/print"),
    "verify": lambda page, world: page.goto(world.base + "/verify"),
    "verify-valid": lambda page, world: _verify(page, world, "valid"),
    "verify-revoked": lambda page, world: _verify(page, world, "revoked"),
    "verify-suspended": lambda page, world: _verify(page, world, "suspended"),
    "error-unknown-redirect": _unknown_redirect,
    "not-found": lambda page, world: page.goto(world.base + "/no-such-page"),
    "consent": _consent,
    "login-qr": lambda page, world: page.goto(world.base + "/login/qr?next=/account&force=1"),
    "forgot": lambda page, world: page.goto(world.base + "/account/forgot"),
    "reset": lambda page, world: page.goto(world.base + "/account/reset"),
    "totp-enrol": lambda page, world: page.goto(world.base + "/account/totp/enrol"),
    "device": lambda page, world: page.goto(world.base + "/device"),
    "mandate": lambda page, world: page.goto(world.base + "/mandate"),
    "verify-reference": _reference,
    "api-docs": _api_docs,
    "account-legal-representative": _representative_account,
}


def shown(page, visited):
    """The page to check after ``PAGES[name](page, world)`` returned ``visited``: a
    page of its own context (closed with :func:`done`) or ``page`` itself."""
    from playwright.sync_api import Page

    return visited if isinstance(visited, Page) else page


def done(page, checked) -> None:
    if checked is not page:
        checked.context.close()
    page.close()


def sign_in(context, world) -> None:
    """Log the person in at the provider; the wallet then signs in by itself (its
    silent prompt=none request), with no consent page for onegate's own wallet."""
    from tests.experience.conftest import login

    page = context.new_page()
    page.goto(world.base + "/login?next=/account&force=1")
    login(page, world.person)
    page.wait_for_url(re.compile(r"/account$"))
    page.goto(world.base + "/wallet")
    page.locator("#list-view").wait_for(timeout=15_000)
    page.close()


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def widest(page) -> list[str]:
    """The elements whose right edge passes the viewport: what to fix."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
        (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '')
        + ' ' + Math.round(e.getBoundingClientRect().right))""")


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as "rule: target" lines."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
      const result = await axe.run(document, {resultTypes: ['violations']});
      return result.violations.map(v => v.id + ' (' + v.impact + '): ' +
        v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return [line for line in found if line.split(" ", 1)[0] not in AXE_EXCEPTIONS]


# The staff console (/admin): the same survey, in a context of its own where a
# platform administrator -- the role that sees every page -- signed in once through
# the provider at loa-2 (password and TOTP), as staff do. The pages show the shared
# world: its department, licence type and licences, the hall's client, the person,
# the department's keys, and the audit entries all of that left.

STAFF_NAME = "黄运维"


def console_sign_in(context, world) -> None:
    """Sign a new platform administrator in to the console in ``context`` (one staff
    member per context: a TOTP code is accepted once)."""
    import pyotp

    from idp.staff import PLATFORM_ADMIN
    from tests.admin.console.helpers import PASSWORD, make_staff

    member = make_staff(world.app, [(PLATFORM_ADMIN, "")], name=STAFF_NAME, with_totp=True)
    page = context.new_page()
    page.goto(world.base + "/admin/")
    page.locator("input[name=login]").fill(member["username"])
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.locator("input[name=code]").fill(pyotp.TOTP(member["totp_secret"]).now())
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(world.base + "/admin/")
    page.close()


def _console(path: str):
    return lambda page, world: page.goto(world.base + "/admin" + path)


def _people_found(page, world) -> None:
    """The search's answer: the person found by their ID number."""
    page.goto(world.base + "/admin/people")
    page.locator("input[name=q]").fill(world.person["id_number"])
    page.locator("main form button[type=submit]").first.click()
    page.locator(f"main a[href$='/admin/people/{world.person['sub']}']").wait_for()


def _key_revocation(page, world) -> None:
    """The revocation question of the department's signing key (nothing is revoked)."""
    kid = next(r.kid for r in world.app.services.keyring.records("dept:" + world.dept.code)
               if r.state == "active")
    page.goto(world.base + f"/admin/keys/{kid}/revoke")


def _signin_refused(page, world) -> None:
    """The page a refused sign-in ends on: the provider answered access_denied."""
    page.goto(world.base + "/admin/callback?error=access_denied&state=nothing")


CONSOLE_PAGES = {
    "console-dashboard": _console("/"),
    "console-people": _console("/people"),
    "console-people-found": _people_found,
    "console-person": lambda page, world: page.goto(
        world.base + "/admin/people/" + world.person["sub"]),
    "console-recovery": _console("/recovery"),
    "console-recovery-person": lambda page, world: page.goto(
        world.base + "/admin/recovery/" + world.person["sub"]),
    "console-staff": _console("/staff"),
    "console-clients": _console("/clients"),
    "console-client": lambda page, world: page.goto(
        world.base + "/admin/clients/" + world.hall["client_id"]),
    "console-client-new": _console("/clients/new"),
    "console-client-edit": lambda page, world: page.goto(
        world.base + "/admin/clients/" + world.hall["client_id"] + "/edit"),
    "console-licences": lambda page, world: page.goto(
        world.base + "/admin/licences?department=" + world.dept.code),
    "console-licence": lambda page, world: page.goto(
        world.base + "/admin/licences/" + world.licences["revoked"]["identifier"]),
    "console-catalogue": _console("/catalogue"),
    "console-catalogue-new": _console("/catalogue/new"),
    "console-catalogue-type": lambda page, world: page.goto(
        world.base + "/admin/catalogue/" + world.dept.type_code),
    "console-catalogue-version": lambda page, world: page.goto(
        world.base + "/admin/catalogue/" + world.dept.type_code + "/versions"),
    "console-keys": _console("/keys"),
    "console-keys-owner": lambda page, world: page.goto(
        world.base + "/admin/keys/owners/dept:" + world.dept.code),
    "console-key-revoke": _key_revocation,
    "console-department-new": _console("/keys/departments/new"),
    "console-audit": _console("/audit"),
    "console-signin-refused": _signin_refused,
    "console-signed-out": _console("/signed-out"),
}
