"""Verification API, trust list, offline bundle and records of use.

- ``verify.pipeline``: the pure verification pipeline (ordered ``check_*`` steps)
  over ``verify.sources`` interfaces (TrustSource, StatusSource, ReferenceResolver).
- ``verify.online`` / ``verify.bundle``: those sources from the running service or
  from a signed offline bundle.
- ``verify.api`` (``/api/v1/verify``, ``/trust-list``, ``/offline-bundle``,
  ``/holder/licenses``, ``/wallet/uses``) and ``verify.pages`` (``/verify``, ``/v/<id>``).
- ``verify.cli``: ``onegate verify`` (offline) and ``onegate verify-bundle fetch``.
"""

from __future__ import annotations


def init_app(app) -> None:
    """Register the blueprints (the JSON API is CSRF-exempt: bearer tokens, no cookies)
    and verify's part of the OpenAPI document."""
    from credentials.openapi import register_fragment
    from credentials.problems import register_types
    from verify import api, openapi, pages, problems

    register_fragment(app, openapi.fragment)
    register_types(app, problems.PROBLEM_TYPES)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(api.bp)
