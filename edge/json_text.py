"""JSON as people read it: UTF-8 text, not ``\\uXXXX`` escapes, labelled as UTF-8.

RFC 8259 section 8.1 requires UTF-8 for JSON exchanged between systems and defines no
``charset`` parameter; we still send ``charset=utf-8`` because clients that guess an
encoding for a missing one (a browser showing the raw document, ``requests``'
``.text``) would otherwise garble Chinese titles and names. Compliant parsers ignore it.
"""

from __future__ import annotations

import json

CHARSET = "charset=utf-8"


def is_json(media_type: str) -> bool:
    """``application/json`` or a ``+json`` structured syntax type (RFC 6839 section 3.1:
    ``application/problem+json``, ``application/jwk-set+json``...), parameters ignored."""
    essence = media_type.split(";", 1)[0].strip().lower()
    return essence == "application/json" or essence.endswith("+json")


def labelled(media_type: str) -> str:
    """``media_type`` with ``charset=utf-8`` when it is JSON and names no charset."""
    if not is_json(media_type) or "charset=" in media_type.lower():
        return media_type
    return f"{media_type}; {CHARSET}"


def text(value: object, **options) -> str:
    """``json.dumps(value, ensure_ascii=False, **options)``; when that text cannot be
    encoded as UTF-8 (a lone surrogate, as ``"\\ud800"`` in hostile input parses to),
    the same JSON with ASCII escapes instead, so the answer is still valid JSON and
    never a 500. An ASCII-only text costs no second look."""
    found = json.dumps(value, ensure_ascii=False, **options)
    if found.isascii():
        return found
    try:
        found.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, **options)
    return found


def dumps(value: object) -> bytes:
    """``value`` as Flask's ``jsonify`` writes it outside debug mode with the app's
    provider (sorted keys, compact, UTF-8 text, a final newline)."""
    return text(value, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"
