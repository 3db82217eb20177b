"""Service halls and stations (no Flask): register, edit, disable, list.

A hall is known by its ``code`` (stable, lower case); relying parties name it in
``OAuthClient.hall_code`` and hall-scoped staff roles in ``StaffRole.scope``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.errors import DuplicateHall, InvalidAccountData, UnknownHall
from idp.models.staff import Hall

#: From the provincial centre down to a village station (DESIGN.md: 21 cities,
#: 118 counties, 1,323 towns, 19,923 villages).
LEVELS = ("province", "city", "county", "town", "village")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")


@dataclass(slots=True)
class HallChanges:
    """What ``edit`` may change; None leaves a field as it is."""

    name: str | None = None
    region: str | None = None
    level: str | None = None
    disabled: bool | None = None


def check_code(code: str) -> str:
    """The code, lower-cased; raises InvalidAccountData unless 2-32 of a-z, 0-9, '-'."""
    value = (code or "").strip().lower()
    if not _CODE.match(value):
        raise InvalidAccountData("code", "2-32 characters: a-z, 0-9 and '-', "
                                 "beginning with a letter or digit")
    return value


def _check_name(name: str) -> str:
    value = (name or "").strip()
    if not value or len(value) > 200:
        raise InvalidAccountData("name", "1-200 characters")
    return value


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise InvalidAccountData("level", f"one of {', '.join(LEVELS)}")
    return level


def _check_region(region: str) -> str:
    value = (region or "").strip()
    if len(value) > 200:
        raise InvalidAccountData("region", "at most 200 characters")
    return value


def add(session: Session, code: str, name: str, level: str, region: str = "") -> Hall:
    """Register a hall; raises InvalidAccountData or DuplicateHall."""
    hall = Hall(code=check_code(code), name=_check_name(name), level=_check_level(level),
                region=_check_region(region), disabled=False)
    if session.scalar(select(Hall.id).where(Hall.code == hall.code)) is not None:
        raise DuplicateHall(f"a hall {hall.code!r} already exists")
    session.add(hall)
    session.flush()
    return hall


def get(session: Session, code: str) -> Hall:
    """The hall with this code; raises UnknownHall."""
    hall = session.scalar(select(Hall).where(Hall.code == (code or "").strip().lower()))
    if hall is None:
        raise UnknownHall(f"no hall {code!r} (see onegate halls list)")
    return hall


def edit(session: Session, code: str, changes: HallChanges) -> Hall:
    """Apply ``changes``; raises UnknownHall or InvalidAccountData."""
    hall = get(session, code)
    if changes.name is not None:
        hall.name = _check_name(changes.name)
    if changes.region is not None:
        hall.region = _check_region(changes.region)
    if changes.level is not None:
        hall.level = _check_level(changes.level)
    if changes.disabled is not None:
        hall.disabled = changes.disabled
    session.flush()
    return hall


def list_halls(session: Session, codes: list[str] | None = None) -> list[Hall]:
    """Every hall by code, or only those in ``codes``."""
    query = select(Hall).order_by(Hall.code)
    if codes is not None:
        query = query.where(Hall.code.in_(codes))
    return list(session.scalars(query))


def row(hall: Hall) -> dict:
    """A hall as the CLI and the console show it."""
    return {"code": hall.code, "name": hall.name, "region": hall.region, "level": hall.level,
            "disabled": hall.disabled, "created_at": hall.created_at.isoformat()}


def assign_client(session: Session, code: str | None, client_id: str):
    """Let relying party ``client_id`` belong to hall ``code`` (None: to no hall);
    returns the client row. Raises UnknownHall, or InvalidAccountData for an unknown
    client."""
    from idp.models.clients import OAuthClient

    hall = get(session, code).code if code is not None else None
    client = session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if client is None:
        raise InvalidAccountData("client_id", f"no client {client_id!r} (see onegate clients list)")
    client.hall_code = hall
    session.flush()
    return client
