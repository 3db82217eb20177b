"""The OpenAPI description rendered in one language, for the reference at /api/docs
(``/api/v1/openapi.json?lang=zh-CN`` or ``?lang=en``).

The canonical document (no ``lang``) is what machine clients read: English schema and
response texts, operations summarised as ``中文 · English`` and described in Chinese
(credentials.openapi_docs). A rendering in one language is built from that very
document and a translation layer: every human-readable text -- summaries,
descriptions, schema titles, example summaries, scope descriptions, tag names -- is
looked up in ``Translations`` (English source -> Chinese, and Chinese source ->
English for the texts first written in Chinese); the data is never touched (example
values, enums, defaults, patterns, names). A text is translated whole, else paragraph
by paragraph (descriptions), else part by part (``中文 · English`` summaries keep the
part in the wanted language). A text missing from the tables stays as it was:
tests/admin/test_api_docs_i18n.py fails on it, so a new English text needs its Chinese.

Pure: no Flask; each package keeps its own tables next to its fragment."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The languages a rendering can be asked for (BCP 47, as the pages' ``lang``).
LANGUAGES = ("zh-CN", "en")
#: Between the Chinese and the English summary of an operation (openapi_docs.annotate).
SEPARATOR = " · "
PARAGRAPH = "\n\n"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
#: Members whose string value is a text for people (in any object of the document).
TEXT_KEYS = frozenset({"summary", "description", "title"})
#: Members holding data or machine values: left alone, whatever they contain.
DATA_KEYS = frozenset({"example", "enum", "const", "default", "pattern", "value", "$ref",
                       "required", "format", "contentMediaType", "openapi", "servers",
                       "url", "tokenUrl", "authorizationUrl", "operationId"})


@dataclass(frozen=True)
class Translations:
    """``zh``: English text -> Chinese; ``en``: Chinese text -> English (for texts
    written first in Chinese: operation descriptions, example summaries)."""

    zh: Mapping[str, str] = field(default_factory=dict)
    en: Mapping[str, str] = field(default_factory=dict)

    def merged(self, others: Iterable[Translations]) -> Translations:
        """These tables and ``others``'; raises ValueError when two give one text
        different translations (two packages disagreeing is a bug, not a merge)."""
        zh, en = dict(self.zh), dict(self.en)
        for other in others:
            for into, more in ((zh, other.zh), (en, other.en)):
                for source, target in more.items():
                    if into.setdefault(source, target) != target:
                        raise ValueError(f"two translations of {source[:60]!r}")
        return Translations(zh, en)


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def localize(document: Mapping[str, Any], lang: str,
             translations: Translations) -> dict[str, Any]:
    """A copy of ``document`` with its texts in ``lang`` (one of LANGUAGES).

    Raises ValueError for another language."""
    if lang not in LANGUAGES:
        raise ValueError(f"no rendering in {lang!r}")
    return _Localizer(lang, translations).node(copy.deepcopy(dict(document)))


class _Localizer:
    def __init__(self, lang: str, translations: Translations) -> None:
        self.chinese = lang == "zh-CN"
        self.table = translations.zh if self.chinese else translations.en

    def node(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self.member(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.node(item) for item in value]
        return value

    def member(self, key: str, value: Any) -> Any:
        if key in DATA_KEYS or key.startswith("x-"):
            return value
        if key in TEXT_KEYS and isinstance(value, str):
            return self.text(value, summary=key == "summary")
        if key == "examples":  # OpenAPI's named examples; JSON Schema's list is data
            return self.node(value) if isinstance(value, dict) else value
        if key == "scopes" and isinstance(value, dict):
            return {scope: self.text(text) for scope, text in value.items()}
        if key == "tags" and isinstance(value, list):
            return [self.text(tag) if isinstance(tag, str) else self.tag(tag) for tag in value]
        return self.node(value)

    def tag(self, tag: dict[str, Any]) -> dict[str, Any]:
        out = self.node(tag)
        if isinstance(tag.get("name"), str):
            out["name"] = self.text(tag["name"])
        return out

    def text(self, text: str, *, summary: bool = False) -> str:
        if text in self.table:
            return self.table[text]
        if summary and SEPARATOR in text:
            parts = text.split(SEPARATOR)
            wanted = [p for p in parts if has_cjk(p) == self.chinese]
            return SEPARATOR.join(wanted or [self.text(p) for p in parts])
        if PARAGRAPH in text:
            return PARAGRAPH.join(self.text(p) for p in text.split(PARAGRAPH))
        return text
