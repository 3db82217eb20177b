"""Reading the bearer token (RFC 6750 section 2): header, form, and the two faults."""

from __future__ import annotations

import pytest

from edge.bearer import MalformedBearer, NoBearerToken, bearer_token


def test_header_token_is_read_with_any_case_of_the_scheme():
    assert bearer_token({"Authorization": "Bearer abc.def-ghi_~+/="}) == "abc.def-ghi_~+/="
    assert bearer_token({"Authorization": "bearer  t1 "}) == "t1"


def test_form_token_when_the_endpoint_allows_it():
    assert bearer_token({}, {"access_token": "t2"}) == "t2"


def test_no_credentials_has_no_error_code():
    with pytest.raises(NoBearerToken) as caught:
        bearer_token({})
    assert (caught.value.error, caught.value.status) == (None, 401)


@pytest.mark.parametrize("headers, form", [
    ({"Authorization": "Basic dXNlcjpwYXNz"}, None),
    ({"Authorization": "Bearer"}, None),
    ({"Authorization": "Bearer    "}, None),
    ({"Authorization": "Bearer a b"}, None),
    ({"Authorization": "Bearer t\u00e9"}, None),
    ({"Authorization": "Bearer t1"}, {"access_token": "t1"}),
    ({}, {"access_token": "bad token"}),
])
def test_malformed_is_invalid_request(headers, form):
    with pytest.raises(MalformedBearer) as caught:
        bearer_token(headers, form)
    assert (caught.value.error, caught.value.status) == ("invalid_request", 400)
