"""Verification API, trust list, offline bundle and records of use.

- ``verify.pipeline``: the pure verification pipeline (ordered ``check_*`` steps)
  over ``verify.sources`` interfaces (TrustSource, StatusSource, ReferenceResolver).
- ``verify.online`` / ``verify.bundle``: those sources from the running service or
  from a signed offline bundle.
- ``verify.api`` (``/api/v1/verify``, ``/trust-list``, ``/offline-bundle``,
  ``/holder/licenses``, ``/wallet/uses``) and ``verify.pages`` (``/verify``, ``/v/<id>``).
- ``verify.cli``: ``onegate verify`` (offline) and ``onegate verify-bundle fetch``.
- ``static/offline.js`` (decoders in ``offline-formats.js``), ``offline-worker.js``:
  ``/verify`` with no network,
  the offline QR form verified in the browser against the cached bundle (the same
  steps and reasons as the pipeline; ``verify.page_labels.REASONS``).
- ``verify.services``: ``VerifyServices``, what the views take (built by admin).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from credentials.openapi import Fragments
    from verify.services import VerifyServices


def init_app(app: Flask, services: VerifyServices, fragments: Fragments,
             csrf=None) -> None:
    """Register the blueprints (the JSON API is CSRF-exempt when ``csrf`` is given:
    bearer tokens, no cookies), verify's part of the OpenAPI document on ``fragments``
    and its problem types on ``services.problem_types``."""
    from verify import api, openapi, openapi_translations, pages, problems

    fragments.register(openapi.fragment, openapi_translations.TRANSLATIONS)
    services.problem_types.register(problems.PROBLEM_TYPES)
    json_api = api.blueprint(services)
    app.register_blueprint(json_api)
    app.register_blueprint(pages.blueprint(services))
    if csrf is not None:
        csrf.exempt(json_api)
