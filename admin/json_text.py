"""Every JSON response of the app in UTF-8 text (no ``\\uXXXX`` escapes) and labelled
``charset=utf-8`` (edge.json_text says why): the app's JSON provider, and one hook for
the responses whose media type a view set after ``jsonify`` (problem details)."""

from __future__ import annotations

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from edge import json_text


class Utf8JSONProvider(DefaultJSONProvider):
    """Flask's provider writing Chinese as text, as ``edge.json_text.dumps`` does."""

    ensure_ascii = False
    mimetype = json_text.labelled("application/json")


def init_app(app: Flask) -> None:
    """Install the provider, and label the JSON media types views set themselves."""
    app.json = Utf8JSONProvider(app)

    @app.after_request
    def _charset(response: Response) -> Response:
        content_type = response.headers.get("Content-Type", "")
        labelled = json_text.labelled(content_type)
        if labelled != content_type:
            response.headers["Content-Type"] = labelled
        return response
