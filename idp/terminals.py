"""What a person is shown about a terminal before approving it (RFC 8628 section
3.3): its name and the hall it stands in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from idp.clients import Client


@dataclass(frozen=True, slots=True)
class Terminal:
    name: str
    hall: str


def describe(session: Session, client: Client) -> Terminal:
    """The terminal ``client`` as people see it."""
    return Terminal(name=client.row.name, hall=hall_name(session, client))


def hall_name(session: Session, client: Client) -> str:
    """The hall the terminal stands in.

    The halls register (another table of this package) is not merged yet; until it
    is, a terminal is registered under a name that names its hall ("佛山市南海区政务
    服务中心 1 号自助机"), and that name is the hall shown. This is the one place to
    connect the two."""
    return client.row.name
