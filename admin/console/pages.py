"""What every console blueprint shares (``console_blueprint``): the signed-in member
loaded before each view, the layout's navigation, ``no-store`` caching, and readable
pages for 401, 403, 404 and a failed CSRF check, in the member's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError

from admin.console import labels
from admin.console import session as console_session
from admin.console.guard import current_member, set_member

if TYPE_CHECKING:
    from admin.console.services import ConsoleServices

NO_STORE = "no-store"


def console_blueprint(name: str, url_prefix: str, services: ConsoleServices) -> Blueprint:
    """A blueprint for console pages under ``url_prefix`` (``/admin/...``). Guard each
    view with ``admin.console.guard.requires``; templates extend
    ``console/layout.html``."""
    bp = Blueprint(name, __name__, url_prefix=url_prefix)

    @bp.before_request
    def _load_member() -> None:
        set_member(console_session.load(services))

    @bp.context_processor
    def _layout() -> dict:
        member = current_member()
        return {"console_member": member,
                "console_nav": services.navigation.visible_to(member) if member else [],
                "role_label": labels.role_label, "health_label": labels.health_label,
                "kind_label": labels.kind_label, "key_state_label": labels.key_state_label,
                "level_label": labels.level_label,
                "health_state_label": labels.health_state_label,
                "history_label": labels.history_label, "use_label": labels.use_label,
                "use_result_label": labels.use_result_label}

    @bp.after_request
    def _no_store(response):
        # RFC 9111 5.2.2.5: personal data and CSRF tokens are never cached.
        response.headers["Cache-Control"] = NO_STORE
        return response

    bp.register_error_handler(401, _unauthorised)
    bp.register_error_handler(403, _forbidden)
    bp.register_error_handler(404, _not_found)
    bp.register_error_handler(CSRFError, _csrf_failed)
    return bp


def _unauthorised(_error):
    return render_template("console/error.html", kind="signin"), 401


def _forbidden(_error):
    return render_template("console/error.html", kind="forbidden"), 403


def _not_found(_error):
    return render_template("console/error.html", kind="not_found"), 404


def _csrf_failed(_error: CSRFError):
    # A form from before sign-in (or another session) is refused; say so and go back.
    return render_template("console/error.html", kind="csrf",
                           back=request.referrer if _same_origin(request.referrer) else None), 400


def _same_origin(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)
