"""The public catalogue API: ``GET /api/v1/types`` and ``GET /api/v1/types/{code}``
(no token: the catalogue is public), served as published documents with ETags
(credentials.published_catalogue). Bound on the issuance API's blueprint."""

from __future__ import annotations

from flask import Response, request

from credentials.routes import Routes
from credentials.services import CredentialsServices
from edge.published import Snapshot

routes = Routes()


def _published(snapshot: Snapshot) -> Response:
    code, body, headers = snapshot.answer(request.headers.get("If-None-Match"))
    response = Response(body, status=code, headers=headers)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@routes.get("/types")
def list_types(s: CredentialsServices) -> Response:
    """Every licence type: status, issuing departments, current definition, versions."""
    return _published(s.catalogue_documents.index.snapshot())


@routes.get("/types/<code>")
def show_type(s: CredentialsServices, code: str) -> Response:
    """One type with every version's definition. Raises NotFound (404 problem)."""
    return _published(s.catalogue_documents.types.snapshot(code))
