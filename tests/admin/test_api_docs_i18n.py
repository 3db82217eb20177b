"""The description /api/docs renders, in one language (issue 12: every operation with a
Chinese summary, description and examples, and no English fragments on the Chinese
page): ``/api/v1/openapi.json?lang=zh-CN`` has every text for people in Chinese,
``?lang=en`` every one in English, both built from the canonical document (which
stays as machine clients know it) by credentials.openapi_locale."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
#: Texts that are the same in both languages: proper nouns, identifiers and codes a
#: Chinese reader meets as they are (this list is the whole of what may stay Latin).
PROPER_NOUNS = frozenset({"JWT", "SD-JWT", "OAuth", "JSON", "ETag"})
#: Members that hold data or machine values, never a text for people.
DATA = {"example", "enum", "const", "default", "pattern", "value", "$ref", "required",
        "format", "servers", "url", "tokenUrl", "authorizationUrl", "contentMediaType"}


def texts(node, where="#"):
    """(where, text) for every text for people in an OpenAPI document: summaries,
    descriptions and titles, scope descriptions and tag names; examples' values and
    other data skipped."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from texts(item, f"{where}/{i}")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        here = f"{where}/{key}"
        if key in DATA or key.startswith("x-"):
            continue
        if key in ("summary", "description", "title") and isinstance(value, str):
            yield here, value
        elif key == "scopes":
            yield from ((f"{here}/{scope}", text) for scope, text in value.items())
        elif key == "tags":
            yield from ((f"{here}/{i}", tag if isinstance(tag, str) else tag["name"])
                        for i, tag in enumerate(value))
            yield from texts([t for t in value if isinstance(t, dict)], here)
        elif key == "examples" and not isinstance(value, dict):
            continue  # JSON Schema's examples: values
        else:
            yield from texts(value, here)


def _get(client, lang):
    response = client.get(f"/api/v1/openapi.json?lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_chinese_rendering_has_no_english_text(client):
    doc = _get(client, "zh-CN")
    found = list(texts(doc))
    assert len(found) > 300
    english = [f"{where}: {text[:80]}" for where, text in found
               if not CJK.search(text) and text not in PROPER_NOUNS]
    assert english == []


def test_the_english_rendering_has_no_chinese_text(client):
    """English texts may quote a Chinese term (部门自述, 代办) but are mostly Latin."""
    found = list(texts(_get(client, "en")))
    chinese = [f"{where}: {text[:80]}" for where, text in found
               if len(CJK.findall(text)) * 3 > len(LATIN.findall(text))]
    assert chinese == []


def test_every_operation_reads_whole_in_either_language(client):
    for lang in ("zh-CN", "en"):
        doc = _get(client, lang)
        for path, item in doc["paths"].items():
            for method, operation in item.items():
                assert operation["summary"] and operation["description"], (path, method)
                assert " · " not in operation["summary"], operation["summary"]


def test_the_renderings_change_texts_only(client):
    """Same paths, operations, statuses, schemas and examples as the canonical document:
    only texts differ (and tag names, which group operations on the page)."""
    canonical = client.get("/api/v1/openapi.json").get_json()
    for lang in ("zh-CN", "en"):
        doc = _get(client, lang)
        validate(doc)
        assert _shape(doc) == _shape(canonical)
    zh = _get(client, "zh-CN")["paths"]["/api/v1/licenses/{id}/revoke"]["post"]
    assert zh["summary"] == "吊销或注销证照（不可恢复）"
    assert zh["responses"]["404"]["description"] == "证照不存在"
    en = _get(client, "en")["paths"]["/api/v1/licenses/{id}/revoke"]["post"]
    assert en["summary"] == "Revoke a licence (final)"
    assert en["responses"]["404"]["description"] == "No such licence"


def _shape(doc):
    """Everything but the texts for people: paths, methods, statuses, media types,
    parameters' names, schemas' structure and every example's value."""
    def strip(node):
        if isinstance(node, dict):
            return {k: (v if k in DATA else strip(v)) for k, v in node.items()
                    if k not in ("summary", "description", "title", "tags")
                    and not (k == "scopes")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node
    return strip({k: v for k, v in doc.items() if k not in ("info", "tags")})


def test_the_canonical_document_is_unchanged_by_a_rendering(client):
    before = client.get("/api/v1/openapi.json").get_json()
    _get(client, "zh-CN")
    assert client.get("/api/v1/openapi.json").get_json() == before
    summary = before["paths"]["/api/v1/licenses/{id}/revoke"]["post"]["summary"]
    assert summary == "吊销或注销证照（不可恢复） · Revoke a licence (final)"


@pytest.mark.parametrize("query", ["lang=fr", "lang=zh-CN&lang=en", "lang="])
def test_an_unknown_language_is_a_problem(client, query):
    response = client.get(f"/api/v1/openapi.json?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "lang"


def test_the_docs_page_renders_the_description_in_its_language(client):
    zh = client.get("/api/docs").get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json?lang=zh-CN"' in zh
    en = client.get("/api/docs?ui_locales=en").get_data(as_text=True)
    assert 'data-spec-url="/api/v1/openapi.json?lang=en"' in en
    # The link for people to the JSON stays the canonical document.
    assert 'href="/api/v1/openapi.json"' in zh and 'href="/api/v1/openapi.json"' in en
