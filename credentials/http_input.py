"""Reading JSON request bodies defensively: strict JSON, bounded depth, clean strings."""

from __future__ import annotations

from typing import Any

from flask import request

from credentials.errors import FieldError, MalformedRequest, UnsupportedMediaType
from credentials.formats import strict_json
from credentials.formats.errors import InvalidJson

MAX_DEPTH = 12
MAX_STRING = 10_000


def json_body() -> Any:
    """The parsed body. Raises UnsupportedMediaType when it is declared as anything but
    JSON (no Content-Type is read as JSON), MalformedRequest for anything but clean JSON."""
    if request.mimetype and not request.is_json:
        raise UnsupportedMediaType(f"send application/json, not {request.mimetype[:80]}",
                                   [FieldError("Content-Type", "unsupported")])
    data = request.get_data(cache=True)
    return parse_json(data)


def parse_json(data: bytes | str) -> Any:
    try:
        value = strict_json.loads(data)
    except (InvalidJson, RecursionError) as exc:
        raise MalformedRequest("the body is not valid JSON",
                               [FieldError("body", "invalid_json")]) from exc
    check_value(value)
    return value


def json_object() -> dict[str, Any]:
    value = json_body()
    if not isinstance(value, dict):
        raise MalformedRequest("the body must be a JSON object",
                               [FieldError("body", "not_an_object")])
    return value


def check_value(value: Any, depth: int = 0, path: str = "body") -> None:
    """Reject nesting beyond MAX_DEPTH and strings no database or signer accepts
    (lone surrogates, NUL) or that are absurdly long. Raises MalformedRequest."""
    if depth > MAX_DEPTH:
        raise MalformedRequest("the JSON is nested too deeply", [FieldError(path, "too_deep")])
    if isinstance(value, str):
        _check_string(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_string(key, path)
            check_value(item, depth + 1, f"{path}.{key[:64]}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, depth + 1, f"{path}[{index}]")


def _check_string(text: str, path: str) -> None:
    if len(text) > MAX_STRING:
        raise MalformedRequest("a string is too long", [FieldError(path, "too_long")])
    if "\x00" in text:
        raise MalformedRequest("NUL characters are not allowed",
                               [FieldError(path, "bad_character")])
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedRequest("a string is not valid Unicode",
                               [FieldError(path, "bad_character")]) from exc
