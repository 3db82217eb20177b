"""A sender for the tests (``ONEGATE_SENDER=tests.idp.recovery.outbox:factory``): it
keeps every message, as a real gateway's adapter would hand them over."""

from __future__ import annotations

from idp.senders import Message

SENT: list[Message] = []


class Outbox:
    def __init__(self, settings) -> None:
        self.issuer = settings["ISSUER"]

    def send(self, message: Message) -> None:
        SENT.append(message)


def factory(settings) -> Outbox:
    return Outbox(settings)
