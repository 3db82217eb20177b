"""ONEGATE_SENDER: the log sender in development, refused in production unless
explicitly allowed; a named factory is loaded; a bad name is a one-line error."""

from __future__ import annotations

import logging

import pytest

from admin import config
from admin.settings import ConfigError

PRODUCTION = {"ENV": "production", "KEK": "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg",
              "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://db.internal/onegate",
              "ISSUER": "https://id.gd.example"}


def _build(tmp_path, **overrides):
    return config.build(overrides, environ={}, instance_path=tmp_path)


def test_development_defaults_to_the_log_sender_and_production_to_none(tmp_path):
    assert _build(tmp_path)["SENDER"] == "log"
    assert _build(tmp_path, **PRODUCTION)["SENDER"] == "none"


def test_production_refuses_the_log_sender_unless_allowed(tmp_path):
    with pytest.raises(ConfigError) as err:
        _build(tmp_path, SENDER="log", **PRODUCTION)
    assert str(err.value).startswith("ONEGATE_SENDER:")
    assert _build(tmp_path, SENDER="log", SENDER_ALLOW_LOG="true", **PRODUCTION)["SENDER"] == "log"


@pytest.mark.parametrize("value", ["smtp", "a b:c", "module:", ":factory"])
def test_malformed_sender_names_are_refused(tmp_path, value):
    with pytest.raises(ConfigError) as err:
        _build(tmp_path, SENDER=value)
    assert str(err.value).startswith("ONEGATE_SENDER:") and "\n" not in str(err.value)


def test_sender_factories_are_loaded_or_refused_by_name():
    from admin.services import sender
    from idp.senders import LogSender
    from tests.idp.recovery.outbox import Outbox

    assert sender({"SENDER": "none"}) is None
    assert isinstance(sender({"SENDER": "log"}), LogSender)
    assert isinstance(sender({"SENDER": "tests.idp.recovery.outbox:factory",
                              "ISSUER": "http://x"}), Outbox)
    with pytest.raises(ConfigError) as err:
        sender({"SENDER": "tests.idp.recovery.outbox:missing"})
    assert str(err.value).startswith("ONEGATE_SENDER: cannot load")


def test_the_log_sender_writes_the_message_with_its_code(caplog):
    from idp.senders import LogSender, Message, masked

    logger = logging.getLogger("onegate.idp.senders")
    logger.addHandler(caplog.handler)
    try:
        LogSender().send(Message(channel="sms", to="+8613912345678", subject="s",
                                 text="code 12345678"))
    finally:
        logger.removeHandler(caplog.handler)
    assert "code 12345678" in caplog.text and "+8613912345678" in caplog.text
    assert masked("sms", "+8613912345678") == "+86139****5678"
    assert masked("email", "wang@example.cn") == "w***@example.cn"
