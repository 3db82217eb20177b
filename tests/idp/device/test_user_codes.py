"""The user-code helpers shared by the device grant and 代办 mandates (idp.user_codes)."""

from __future__ import annotations

import pytest

from idp import user_codes


def test_unused_user_code_skips_codes_a_live_request_holds(monkeypatch):
    drawn = iter(["BCDFGHJK", "LMNPQRST", "VWXZBCDF"])
    monkeypatch.setattr(user_codes, "new_user_code", lambda: next(drawn))
    asked: list[str] = []

    def taken(code: str) -> bool:
        asked.append(code)
        return code != "VWXZBCDF"

    assert user_codes.unused_user_code(taken) == "VWXZBCDF"
    assert asked == ["BCDFGHJK", "LMNPQRST", "VWXZBCDF"]


def test_unused_user_code_gives_up_after_its_tries(monkeypatch):
    drawn: list[str] = []
    monkeypatch.setattr(user_codes, "new_user_code", lambda: drawn.append("X") or "BCDFGHJK")
    with pytest.raises(RuntimeError, match="no unused user code"):
        user_codes.unused_user_code(lambda code: True)
    assert len(drawn) == user_codes.TRIES


def test_a_fresh_code_is_canonical():
    code = user_codes.unused_user_code(lambda code: False)
    assert user_codes.canonical(user_codes.shown(code).lower()) == code
