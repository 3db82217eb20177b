"""What the rendered reference (/api/docs) shows of each operation beyond its schemas:
a Chinese summary before the English one, a description, and Chinese request and
response examples -- problem details included. Each package keeps its own ``Doc``
entries next to its fragment and applies them with ``annotate``; every problem
response without an example of its own gets a realistic one for its status.

A test walks the merged document (tests/admin/test_api_docs.py): every operation has a
summary and a description, every JSON request body and 2xx JSON response an example,
and every example validates against its schema."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The service URL examples are written for (the real document's `servers` names yours).
EXAMPLE_ISSUER = "https://onegate.example"


@dataclass(frozen=True)
class Doc:
    """``summary`` in Chinese (put before the English one), ``description`` (Markdown),
    ``request`` the JSON request body's example, ``responses`` status -> example of its
    JSON body (or ``Several``), ``notes`` status -> the Chinese summary of that example."""

    summary: str
    description: str
    request: Any = None
    responses: Mapping[str, Any] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)


class Several(dict):
    """Several examples of one response: name -> (Chinese summary, value)."""


def problem(slug: str, status: int, title: str, detail: str,
            errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """An RFC 9457 problem as these APIs answer it."""
    body: dict[str, Any] = {"type": f"{EXAMPLE_ISSUER}/api/v1/problems/{slug}",
                            "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


#: status -> (Chinese summary, problem) for problem responses with no example of their own.
DEFAULT_PROBLEMS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": ("请求体不是 JSON 对象", problem(
        "malformed-request", 400, "Malformed request", "the body is not valid JSON",
        [{"field": "body", "reason": "not_json"}])),
    "401": ("未携带访问令牌", problem(
        "missing-token", 401, "Access token required",
        "send an access token: Authorization: Bearer <token>")),
    "403": ("令牌权限不足", problem(
        "insufficient-scope", 403, "Insufficient scope",
        "this needs scope licenses:issue:11100000000013338W009",
        [{"field": "scope", "reason": "missing"}])),
    "404": ("证照不存在", problem(
        "not-found", 404, "Not found", "no licence with this identifier",
        [{"field": "id", "reason": "not_found"}])),
    "405": ("不支持的请求方法", problem(
        "method-not-allowed", 405, "Method Not Allowed",
        "The method is not allowed for the requested URL.")),
    "409": ("证照当前状态不允许此操作", problem(
        "invalid-transition", 409, "Invalid state transition",
        "cannot revoke a revoked licence", [{"field": "state", "reason": "is_revoked"}])),
    "413": ("请求体过大", problem(
        "too-large", 413, "Request Entity Too Large",
        "The data value transmitted exceeds the capacity limit.")),
    "415": ("请求体类型不是 application/json", problem(
        "unsupported-media-type", 415, "Unsupported media type",
        "send the body as application/json")),
    "422": ("字段校验未通过", problem(
        "validation-failed", 422, "Validation failed", "the request is not valid",
        [{"field": "holder.number", "reason": "bad_check_character",
          "message": "统一社会信用代码校验码错误"}])),
    "429": ("请求过于频繁", problem(
        "rate-limited", 429, "Too Many Requests",
        "too many verifications from this client; retry after 12 seconds")),
    "503": ("服务暂不可用", problem(
        "issuer-unavailable", 503, "Issuer cannot sign",
        "the department has no signing key yet")),
}


def annotate(paths: dict[str, Any], docs: Mapping[tuple[str, str], Doc]) -> dict[str, Any]:
    """A copy of ``paths`` with each operation named in ``docs`` given its summary,
    description and examples (a copy: the builders share response objects between
    operations, and each gets its own examples). Raises KeyError for a ``docs`` entry
    naming no operation (a stale entry is a bug)."""
    # One deepcopy per operation: one for all would keep the shared objects shared.
    paths = {path: {method: copy.deepcopy(op) for method, op in item.items()}
             for path, item in paths.items()}
    for (path, method), doc in docs.items():
        _apply(paths[path][method], doc)
    return paths


def _apply(operation: dict[str, Any], doc: Doc) -> None:
    english = operation.get("summary")
    operation["summary"] = f"{doc.summary} · {english}" if english else doc.summary
    more = operation.get("description")
    operation["description"] = doc.description + (f"\n\n{more}" if more else "")
    body = operation.get("requestBody", {}).get("content", {})
    if doc.request is not None:
        for media, content in body.items():
            if _is_json(media):
                content["examples"] = {"zh": {"summary": "请求示例", "value": doc.request}}
    for status, response in operation.get("responses", {}).items():
        for media, content in response.get("content", {}).items():
            if "examples" in content or not _is_json(media):
                continue
            found = doc.responses.get(status)
            if isinstance(found, Several):
                content["examples"] = {name: {"summary": note, "value": value}
                                       for name, (note, value) in found.items()}
            elif status in doc.responses:
                note = doc.notes.get(status, "响应示例")
                content["examples"] = {"zh": {"summary": note, "value": found}}
            elif media == "application/problem+json" and status in DEFAULT_PROBLEMS:
                note, value = DEFAULT_PROBLEMS[status]
                content["examples"] = {"zh": {"summary": note, "value": value}}


def _is_json(media: str) -> bool:
    return media == "application/json" or media.endswith("+json")


#: What an operation's texts are in English: its description, and by status the English
#: summary of its example (for ``Several``, example name -> English summary).
English = tuple[str, Mapping[str, str | Mapping[str, str]]]


def english(docs: Mapping[tuple[str, str], Doc],
            texts: Mapping[tuple[str, str], English]) -> dict[str, str]:
    """Chinese -> English for the descriptions and example summaries of ``docs`` (the
    table credentials.openapi_locale renders the English reference with).

    Raises KeyError for an operation, a status or an example ``docs`` does not have."""
    out: dict[str, str] = {}
    for key, (description, notes) in texts.items():
        doc = docs[key]
        out[doc.description] = description
        for status, note in notes.items():
            found = doc.responses[status]
            if isinstance(found, Several) and isinstance(note, Mapping):
                out.update({found[name][0]: text for name, text in note.items()})
            elif isinstance(note, str):
                out[doc.notes[status]] = note
    return out


#: The English of the default problem examples' summaries, by status.
_PROBLEMS_ENGLISH = {
    "400": "The body is not a JSON object", "401": "No access token",
    "403": "The token's scope is not enough", "404": "No such licence",
    "405": "Method not allowed", "409": "The licence's state does not allow this",
    "413": "Body too large", "415": "The body is not application/json",
    "422": "Fields failed validation", "429": "Too many requests",
    "503": "Service unavailable"}
#: Chinese -> English of the example summaries every package's operations share.
SHARED_ENGLISH = {"请求示例": "Request example", "响应示例": "Response example",
                  **{DEFAULT_PROBLEMS[status][0]: text
                     for status, text in _PROBLEMS_ENGLISH.items()}}
