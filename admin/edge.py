"""The request edge: one request is one unit of work.

The transaction begins at the first use of ``services.unit_of_work.session()`` and is
committed once, when the view returned; an exception out of the view (answered by an
error handler as a problem or an OAuth error) rolls back everything the request did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from admin.observability import Metrics
from admin.services import Services
from admin.whole_body import whole_body
from audit.services import AuditServices
from credentials.services import CredentialsServices
from idp.services import IdpServices
from verify.services import VerifyServices

if TYPE_CHECKING:
    from admin.published import PublishedEdge
    from admin.token_edge import TokenEdge


class OnegateFlask(Flask):
    """Flask with the unit of work around each request's dispatch."""

    services: Services
    #: The WSGI layer answering published documents before dispatch (admin.published).
    published: PublishedEdge
    #: The one answering successful grants and introspections (admin.token_edge).
    token_edge: TokenEdge
    #: Each package's services, built from ``services`` by admin.services' builders.
    idp_services: IdpServices
    credentials_services: CredentialsServices
    verify_services: VerifyServices
    #: The audit trail's wiring (admin.services.audit_services), built with ``services``.
    audit: AuditServices
    #: This app's request metrics (its own Prometheus registry).
    metrics: Metrics
    #: Flask-WTF's CSRF protection of this app (for views that must be exempt).
    csrf: CSRFProtect

    def __call__(self, environ: dict, start_response: Any) -> Any:
        # A body already in memory goes to the server as a list (admin.whole_body).
        return whole_body(self.wsgi_app, environ, start_response)

    def full_dispatch_request(self) -> Any:
        # The scope covers before_request hooks, the view and the error handlers; what
        # is not committed when it closes is rolled back.
        with self.services.unit_of_work.scope(commit_on_exit=False):
            return super().full_dispatch_request()

    def dispatch_request(self) -> Any:
        response = super().dispatch_request()
        # The view returned: its work lands as one commit, before the response leaves.
        # A commit that fails raises here and is answered like any other error.
        self.services.unit_of_work.commit()
        return response
