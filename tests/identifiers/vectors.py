"""Loads the real-world identifier vectors kept beside this module.

``identifiers.json`` is a verbatim copy of the project's shared vectors
(``shared/vectors/identifiers.json``, public identifiers seen in real use, copied
2026-11-29, SHA-256 487f9b56...ce97d4). The suite reads only this copy, so a clone
with nothing beside it passes. Missing vectors fail the run: these are the only data
no one here made.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

VECTORS_PATH = Path(__file__).resolve().parent / "identifiers.json"

LENIENT_ONLY_NOTE = "a strict validator rejects it, a lenient reader accepts it"


def load() -> dict:
    if not VECTORS_PATH.is_file():
        pytest.fail(f"identifier test vectors not found at {VECTORS_PATH}", pytrace=False)
    return json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


def cases(section: str, validity: str) -> list:
    entries = load()[section][validity]
    if not entries:
        pytest.fail(f"{VECTORS_PATH}: {section}.{validity} is empty", pytrace=False)
    return [pytest.param(e, id=e["value"]) for e in entries]
