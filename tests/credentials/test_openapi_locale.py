"""credentials.openapi_locale alone: the rules by which one description becomes a
rendering in one language (the whole document is walked in
tests/admin/test_api_docs_i18n.py)."""

from __future__ import annotations

import pytest

from credentials.openapi_locale import Translations, localize

TABLES = Translations(
    zh={"No such licence": "证照不存在", "licences": "证照", "Why": "原因",
        "English paragraph": "英文段落", "issue one type": "签发一种类型"},
    en={"中文说明": "A Chinese description", "请求示例": "Request example"})

DOC = {
    "openapi": "3.1.0",
    "tags": [{"name": "licences", "description": "Why"}],
    "paths": {"/x": {"post": {
        "summary": "吊销证照 · Revoke a licence", "tags": ["licences"],
        "description": "中文说明\n\nEnglish paragraph",
        "requestBody": {"content": {"application/json": {
            "schema": {"type": "object", "properties": {
                "title": {"type": "string", "description": "Why", "enum": ["Why"]},
                "summary": {"type": "string", "default": "No such licence"}}},
            "examples": {"zh": {"summary": "请求示例", "value": {
                "title": "No such licence", "description": "Why"}}}}}},
        "responses": {"404": {"description": "No such licence"}}}}},
    "components": {"schemas": {"S": {"type": "object", "examples": [{"title": "Why"}]}},
                   "securitySchemes": {"t": {"type": "oauth2", "flows": {
                       "clientCredentials": {"tokenUrl": "https://a.example/token",
                                             "scopes": {"x": "issue one type"}}}}}},
}


def test_chinese_rendering_translates_texts_and_leaves_data():
    zh = localize(DOC, "zh-CN", TABLES)
    op = zh["paths"]["/x"]["post"]
    assert op["summary"] == "吊销证照" and op["tags"] == ["证照"]
    assert op["description"] == "中文说明\n\n英文段落"
    assert op["responses"]["404"]["description"] == "证照不存在"
    assert zh["tags"] == [{"name": "证照", "description": "原因"}]
    body = op["requestBody"]["content"]["application/json"]
    properties = body["schema"]["properties"]
    assert properties["title"] == {"type": "string", "description": "原因", "enum": ["Why"]}
    assert properties["summary"]["default"] == "No such licence"  # data
    assert body["examples"]["zh"]["value"] == {"title": "No such licence",
                                                "description": "Why"}  # data
    assert zh["components"]["schemas"]["S"]["examples"] == [{"title": "Why"}]  # data
    flows = zh["components"]["securitySchemes"]["t"]["flows"]["clientCredentials"]
    assert flows == {"tokenUrl": "https://a.example/token", "scopes": {"x": "签发一种类型"}}


def test_english_rendering_keeps_english_and_translates_chinese():
    en = localize(DOC, "en", TABLES)
    op = en["paths"]["/x"]["post"]
    assert op["summary"] == "Revoke a licence" and op["tags"] == ["licences"]
    assert op["description"] == "A Chinese description\n\nEnglish paragraph"
    assert op["requestBody"]["content"]["application/json"]["examples"]["zh"]["summary"] == \
        "Request example"


def test_the_document_given_is_left_as_it_was():
    before = repr(DOC)
    localize(DOC, "zh-CN", TABLES)
    assert repr(DOC) == before


def test_an_untranslated_text_stays_as_it_was_and_a_test_finds_it():
    zh = localize({"info": {"title": "Untranslated"}}, "zh-CN", TABLES)
    assert zh["info"]["title"] == "Untranslated"


def test_other_languages_and_conflicting_tables_are_refused():
    with pytest.raises(ValueError, match="no rendering"):
        localize(DOC, "fr", TABLES)
    assert TABLES.merged([Translations({"Why": "原因"})]).zh["Why"] == "原因"
    with pytest.raises(ValueError, match="two translations"):
        TABLES.merged([Translations({"Why": "为什么"})])
