"""The request edge: one request is one unit of work.

The transaction begins at the first use of ``services.unit_of_work.session()`` and is
committed once, when the view returned; an exception out of the view (answered by an
error handler as a problem or an OAuth error) rolls back everything the request did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask

from admin.services import Services

if TYPE_CHECKING:
    from admin.published import PublishedEdge


class OnegateFlask(Flask):
    """Flask with the unit of work around each request's dispatch."""

    services: Services
    #: The WSGI layer answering published documents before dispatch (admin.published).
    published: PublishedEdge

    def full_dispatch_request(self) -> Any:
        # The scope covers before_request hooks, the view and the error handlers; what
        # is not committed when it closes is rolled back.
        with self.services.unit_of_work.scope():
            return super().full_dispatch_request()

    def dispatch_request(self) -> Any:
        response = super().dispatch_request()
        # The view returned: its work lands as one commit, before the response leaves.
        # A commit that fails raises here and is answered like any other error.
        self.services.unit_of_work.commit()
        return response
