"""The pure parts of 代办 (no Flask, no database): the request's checks, which
mandate a token exchange may use, what the tokens say, and how a resource server
reads the clerk back out of them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edge.timestamps import utcnow
from idp import mandates
from idp.errors import AccessDeniedError, AuthorizationPendingError, InvalidRequestError
from idp.grants.token_exchange import _scope
from idp.models.mandates import Mandate
from verify import uses


def _row(**kw) -> Mandate:
    now = utcnow()
    values = {"public_id": "m_1", "client_id": "station", "clerk_sub": "clerk-1",
              "clerk_name": "王五", "hall_code": "v-shimen", "hall_name": "石门村服务站",
              "citizen_sub": "citizen-1", "matter": "申领居住证", "scope": "openid identity",
              "method": mandates.PHONE, "status": mandates.ACTIVE, "duration": 3600,
              "request_expires_at": now + timedelta(minutes=10), "approved_at": now,
              "expires_at": now + timedelta(hours=1), "ended_at": None}
    values.update(kw)
    return Mandate(**values)


@pytest.mark.parametrize("value", ["", "   ", "x" * 201, "a\nb", None, 7])
def test_a_matter_is_short_printable_text(value):
    with pytest.raises(mandates.BadMandateRequest) as caught:
        mandates.check_matter(value)
    assert caught.value.field == "matter"


@pytest.mark.parametrize("value", ["299", "86401", "-5", "1e3", "", None, "３００"])
def test_a_duration_is_whole_seconds_within_a_day(value):
    with pytest.raises(mandates.BadMandateRequest):
        mandates.check_duration(value)


def test_good_values_pass():
    assert mandates.check_matter(" 申领居住证 ") == "申领居住证"
    assert mandates.check_duration("300") == 300 and mandates.check_duration(86400) == 86400
    assert mandates.check_method("id_document") == mandates.ID_DOCUMENT
    with pytest.raises(mandates.BadMandateRequest):
        mandates.check_method("signature")


def test_only_the_same_client_and_clerk_use_an_active_mandate():
    row = _row()
    assert mandates.for_exchange(row, client_id="station", clerk_sub="clerk-1") is row
    with pytest.raises(InvalidRequestError, match="no mandate of this client"):
        mandates.for_exchange(row, client_id="other", clerk_sub="clerk-1")
    with pytest.raises(InvalidRequestError, match="not the clerk"):
        mandates.for_exchange(row, client_id="station", clerk_sub="clerk-2")
    with pytest.raises(InvalidRequestError):
        mandates.for_exchange(None, client_id="station", clerk_sub="clerk-1")


def test_pending_denied_expired_and_ended_mandates_give_no_token():
    now = utcnow()
    with pytest.raises(AuthorizationPendingError):
        mandates.for_exchange(_row(status=mandates.PENDING), client_id="station",
                              clerk_sub="clerk-1")
    with pytest.raises(InvalidRequestError, match="expired unanswered"):
        mandates.for_exchange(_row(status=mandates.PENDING,
                                   request_expires_at=now - timedelta(seconds=1)),
                              client_id="station", clerk_sub="clerk-1")
    with pytest.raises(AccessDeniedError):
        mandates.for_exchange(_row(status=mandates.DENIED), client_id="station",
                              clerk_sub="clerk-1")
    with pytest.raises(InvalidRequestError, match="expired"):
        mandates.for_exchange(_row(expires_at=now - timedelta(seconds=1)),
                              client_id="station", clerk_sub="clerk-1")
    with pytest.raises(InvalidRequestError, match="ended"):
        mandates.for_exchange(_row(ended_at=now), client_id="station", clerk_sub="clerk-1")


def test_an_exchange_gets_at_most_the_agreed_scopes():
    from idp.errors import InvalidScopeError

    row = _row()
    assert _scope(row, None) == "openid identity"
    assert _scope(row, "identity") == "identity"
    with pytest.raises(InvalidScopeError):
        _scope(row, "openid identity email")


def test_tokens_name_the_clerk_and_station_and_resource_servers_read_them_back():
    row = _row(method=mandates.ID_DOCUMENT)
    claims = {"act": mandates.actor(row), "cn_mandate": mandates.claim(row)}
    assert claims["act"] == {"sub": "clerk-1", "cn_staff_name": "王五",
                             "cn_station": "石门村服务站", "cn_station_code": "v-shimen"}
    assert claims["cn_mandate"]["method"] == "id_document"
    assert uses.clerk_of(claims) == uses.Clerk("clerk-1", "王五", "石门村服务站")
    use = uses.by("retrieve", "station", "李四 (typed)", uses.clerk_of(claims), "变更")
    assert use.staff == "王五" and use.staff_source == uses.VERIFIED_CLERK


def test_an_enterprise_representatives_act_is_not_a_clerk():
    assert uses.clerk_of({"act": {"sub": "person-1"}, "cn_uscc": "x"}) is None
    assert uses.clerk_of({"act": {"sub": "c"}, "cn_mandate": {}}) is None
    stated = uses.by("verify", "dept", "窗口 3 号", None, "核验")
    assert stated.staff_source == uses.STATED_BY_DEPARTMENT
