"""``/account/forgot``: self-service reset by a verified phone or email.

One answer for every login name -- the same status, the same page, with the name as
typed, no sooner than ``ANSWER_FLOOR`` -- whether or not an account has it, and
whether or not that account has a verified phone or email: "if ..., a code was
sent; otherwise go to a service hall".
The request is rate limited per name (as typed, canonical) and per source address
before anything is looked up (idp.self_service). The code is then entered on
``/account/reset`` like a clerk's.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from idp import self_service
from idp.errors import ThrottleUnavailable, TooManyAttempts
from idp.page_guard import guard
from idp.pages.waits import duration
from idp.routes import bind

if TYPE_CHECKING:
    from idp.services import IdpServices


def form(services: IdpServices):
    return render_template("idp/forgot.html", login="", error=None)


def _compose(code: str, minutes: int) -> tuple[str, str]:
    return (_("onegate password reset"),
            _("Your onegate reset code is %(code)s. It works once, for %(minutes)s "
              "minutes. Never tell it to anyone, not even a clerk.", code=code,
              minutes=minutes))


#: Seconds every answer to a well-formed request takes at least. A real account costs
#: a few milliseconds more than an unknown name (a code row, an audit entry, the
#: hand-over to the sender: 3-5 ms measured on SQLite and PostgreSQL); answering no
#: sooner than this for everyone hides the difference in the network's jitter.
ANSWER_FLOOR = 0.2


def _no_sooner_than(started: float) -> None:
    """Wait out the rest of ANSWER_FLOOR (a blocking wait: the page is rate limited
    per name and per address, so it cannot tie up many worker threads)."""
    left = started + ANSWER_FLOOR - time.monotonic()
    if left > 0:
        time.sleep(left)


def submit(services: IdpServices):
    started = time.monotonic()
    login = request.form.get("login", "").strip()[:200]
    if not login:
        return render_template("idp/forgot.html", login="",
                               error=_("Enter your username, ID number or mobile number.")), 400
    try:
        self_service.RequestLimits.on(services.throttle_store).admit(login, request.remote_addr)
    except TooManyAttempts as exc:
        return _refused(login, _("Too many requests. Please try again in %(wait)s.",
                                 wait=duration(exc.retry_after)), 429, exc.retry_after)
    except ThrottleUnavailable as exc:
        # The limits cannot be counted (Redis down): refuse, like the login (fail closed).
        return _refused(login, _("Please try again in %(wait)s.",
                                 wait=duration(exc.retry_after)), 503, exc.retry_after)
    if services.sender is not None:
        self_service.request_code(services.session(), services.second_factor_keys.reset,
                                  services.sender, login, _compose)
    _no_sooner_than(started)
    return render_template("idp/forgot_sent.html", login=login)


def _refused(login: str, message: str, status: int, retry_after: int):
    page = render_template("idp/forgot.html", login=login, error=message)
    return page, status, {"Retry-After": str(retry_after)}


def blueprint(services: IdpServices) -> Blueprint:
    """The ``idp_forgot`` blueprint, its views bound to ``services``."""
    bp = guard(Blueprint("idp_forgot", __name__, template_folder="../templates"))
    bp.add_url_rule("/account/forgot", view_func=bind(form, services), methods=["GET"])
    bp.add_url_rule("/account/forgot", view_func=bind(submit, services), methods=["POST"])
    return bp
