"""The pure checks behind "authorise an agent" (idp.agent_grants, idp.matters): dates,
ID numbers, names, matters, masking and how recent a login must be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from idp import agent_grants, matters
from idp.agent_grants import GrantRefused
from idp.errors import InvalidAccountData
from tests.idp.accounts.factories import citizen_id

# 2026-03-01 10:00 China time.
NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _reason(call, *args) -> str:
    with pytest.raises(GrantRefused) as refused:
        call(*args)
    return refused.value.reason


def test_last_day_from_today_to_a_year_ahead_ends_at_midnight_china_time():
    assert agent_grants.last_moment("2026-03-01", NOW) == datetime(2026, 3, 1, 15, 59, 59,
                                                                   tzinfo=UTC)
    assert agent_grants.last_moment(" 2027-03-01 ", NOW).date().isoformat() == "2027-03-01"
    for bad in ("2026-02-28", "2027-03-02", "2026-13-01", "", "tomorrow", "2026-3-1x"):
        assert _reason(agent_grants.last_moment, bad, NOW) == "until", bad


def test_today_is_the_china_date():
    late = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 01:00 on 2 March in China
    assert agent_grants.china_today(late).isoformat() == "2026-03-02"
    assert _reason(agent_grants.last_moment, "2026-03-01", late) == "until"


def test_id_number_needs_its_check_character():
    good = citizen_id()
    assert agent_grants.check_id_number(f" {good.lower()} ", NOW) == good
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    for bad in (wrong, good[:17], good + "1", "44010619900101123", "abcdefghijklmnopqr", ""):
        assert _reason(agent_grants.check_id_number, bad, NOW) == "id_number", bad


def test_matters_come_from_the_catalogue_in_its_order():
    assert matters.check_known(["tax", "licences", "tax"]) == ["licences", "tax"]
    for bad in ([], ["tax-filing"], ["tax", "openid"], [" "]):
        with pytest.raises(InvalidAccountData):
            matters.check_known(bad)
    assert _reason(agent_grants.check_matters, ("everything",)) == "matters"


def test_every_matter_has_a_label():
    from idp.pages.agent_grant import MATTER_LABELS

    assert set(MATTER_LABELS) == set(matters.MATTERS)


def test_names_compare_as_people_type_them():
    assert agent_grants.comparable_name(" 王 五 ") == "王五"
    dotted = agent_grants.comparable_name("买买提·艾力")
    assert agent_grants.comparable_name("买买提•艾力") == dotted
    assert agent_grants.comparable_name("王五\u3000") == "王五"
    assert agent_grants.comparable_name("王六") != agent_grants.comparable_name("王五")


def test_masks():
    assert agent_grants.mask_name("王小五") == "王*五"
    assert agent_grants.mask_name("王五") == "王*"
    assert agent_grants.mask_name("欧阳娜娜") == "欧**娜"
    assert agent_grants.mask_name("王") == "王"
    assert agent_grants.mask_id_number("44010619900101123X") == "4401**********123X"
    assert agent_grants.mask_id_number(None) == ""


def test_only_a_recent_login_at_the_persons_strongest_level_may_grant():
    just = NOW - timedelta(minutes=1)
    stale = NOW - agent_grants.RECENT_LOGIN - timedelta(seconds=1)
    assert agent_grants.recent_enough("loa-1", just, False, NOW)
    assert agent_grants.recent_enough("loa-2", just, True, NOW)
    assert not agent_grants.recent_enough("loa-1", just, True, NOW)  # has a second factor
    assert not agent_grants.recent_enough("loa-2", stale, True, NOW)
    assert not agent_grants.recent_enough("loa-1", None, False, NOW)
