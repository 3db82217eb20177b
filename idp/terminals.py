"""What a person is shown about a terminal before approving it (RFC 8628 section
3.3): its name and the hall it stands in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.clients import Client
from idp.models.staff import Hall


@dataclass(frozen=True, slots=True)
class Terminal:
    name: str
    hall: str


def describe(session: Session, client: Client) -> Terminal:
    """The terminal ``client`` as people see it."""
    return Terminal(name=client.row.name, hall=hall_name(session, client))


def hall_name(session: Session, client: Client) -> str:
    """The hall the terminal stands in: its registered hall (``hall_code``), else the
    terminal's own name, under which a terminal without a hall is registered
    ("佛山市南海区政务服务中心 1 号自助机")."""
    code = client.row.hall_code
    if code:
        name = session.scalar(select(Hall.name).where(Hall.code == code))
        if name:
            return name
    return client.row.name
