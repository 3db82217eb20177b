"""The console's sections and the navigation built from them.

A section is a page group with a navigation entry shown only to the roles that may
use it. The navigation only hides: every route checks its own roles
(``admin.console.guard.requires``), so a direct request is refused all the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Blueprint

if TYPE_CHECKING:
    from admin.console.principal import StaffMember
    from admin.console.services import ConsoleServices


@dataclass(frozen=True, slots=True)
class Section:
    """One console section.

    ``name``: short id (also the blueprint's name, ``console_<name>``); ``label``: a
    lazy-translated navigation label (``flask_babel.lazy_gettext``); ``endpoint``: the
    section's start page; ``roles``: who sees the entry; ``blueprint``: the factory
    receiving the typed services; ``order``: position in the navigation.
    """

    name: str
    label: object
    endpoint: str
    roles: tuple[str, ...]
    blueprint: Callable[[ConsoleServices], Blueprint]
    order: int = 100


class Navigation:
    """The registered sections, in navigation order."""

    def __init__(self) -> None:
        self._sections: list[Section] = []

    def add(self, section: Section) -> None:
        """Register ``section``; raises ValueError for a second section of one name."""
        if any(s.name == section.name for s in self._sections):
            raise ValueError(f"console section {section.name!r} registered twice")
        self._sections.append(section)
        self._sections.sort(key=lambda s: (s.order, s.name))

    def __iter__(self):
        return iter(self._sections)

    def visible_to(self, member: StaffMember) -> list[Section]:
        """The sections whose entry ``member`` sees."""
        return [s for s in self._sections if member.has(*s.roles)]
