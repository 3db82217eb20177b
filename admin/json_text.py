"""Every JSON response of the app in UTF-8 text (no ``\\uXXXX`` escapes) and labelled
``charset=utf-8`` (edge.json_text says why): the app's JSON provider, and one hook for
the responses whose media type a view set after ``jsonify`` (problem details)."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from edge import json_text


class Utf8JSONProvider(DefaultJSONProvider):
    """Flask's provider writing Chinese as text, as ``edge.json_text.dumps`` does (and
    ASCII escapes for what UTF-8 cannot carry: see ``edge.json_text.text``)."""

    ensure_ascii = False
    mimetype = json_text.labelled("application/json")

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("sort_keys", self.sort_keys)
        if kwargs.pop("ensure_ascii", False):  # a caller that asks for escapes gets them
            return json.dumps(obj, ensure_ascii=True, **kwargs)
        return json_text.text(obj, **kwargs)


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
