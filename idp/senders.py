"""Delivering one-time codes to a person's verified phone or email: the ``Sender``
interface the provider declares, and the development sender.

The composition root supplies the sender (``ONEGATE_SENDER``, admin.settings):
``log`` writes each message, code included, to the log (development and tests only;
refused in production unless ``ONEGATE_SENDER_ALLOW_LOG`` says otherwise), ``none``
gives no sender (self-service reset off: everyone is sent to a hall), and
``package.module:factory`` names a real gateway's adapter, called with the settings.

A sender must return quickly: the forgot page answers every login name in about the
same time, and a gateway that blocks for seconds on real accounts only would tell
an observer which names exist. A real adapter hands the message to a queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("onegate.idp.senders")


@dataclass(frozen=True, slots=True)
class Message:
    """One message: ``channel`` is ``sms`` or ``email``; ``to`` the verified address."""

    channel: str
    to: str
    subject: str
    text: str


class Sender(Protocol):
    def send(self, message: Message) -> None:
        """Hand the message over for delivery; raises SenderUnavailable when it cannot."""


class SenderUnavailable(Exception):
    """The sender could not take the message (the code was not delivered)."""


class LogSender:
    """Development: the message, code included, goes to the log at WARNING."""

    def send(self, message: Message) -> None:
        log.warning("development sender: %s to %s: %s", message.channel, message.to,
                    message.text)


def masked(channel: str, address: str) -> str:
    """What the person is shown of where the code went: ``+86139****1234`` or
    ``p***@example.cn``."""
    if channel == "sms":
        return address[:-8] + "****" + address[-4:] if len(address) > 8 else "****"
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
