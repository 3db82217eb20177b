"""The served-issuer record that signing commands compare their settings with."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from credentials import served_issuer
from credentials.models import ServedIssuer


@pytest.fixture
def sessions(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'served.db'}")
    ServedIssuer.__table__.create(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def test_nothing_recorded_means_the_settings_decide(sessions):
    served_issuer.check(sessions, "http://127.0.0.1:8000")  # no exception, nothing to compare


def test_record_then_check_refuses_another_issuer_and_names_both(sessions):
    assert served_issuer.record(sessions, "http://127.0.0.1:8080", "serve") is None
    served_issuer.check(sessions, "http://127.0.0.1:8080")
    with pytest.raises(served_issuer.IssuerMismatch) as caught:
        served_issuer.check(sessions, "http://127.0.0.1:8000")
    assert caught.value.served == "http://127.0.0.1:8080"
    assert "ONEGATE_ISSUER=http://127.0.0.1:8080" in str(caught.value)


def test_a_new_address_replaces_the_record_and_says_what_it_replaced(sessions):
    served_issuer.record(sessions, "http://127.0.0.1:8000", "init")
    assert served_issuer.record(sessions, "http://127.0.0.1:8000", "serve") is None
    assert served_issuer.record(sessions, "https://id.gd.gov.cn", "serve") == \
        "http://127.0.0.1:8000"
    with sessions() as session:
        assert session.query(ServedIssuer).count() == 1
        assert served_issuer.recorded(session) == "https://id.gd.gov.cn"
