"""What the console needs, declared here and supplied by ``admin.app`` (fosite-style),
like every package's services. Sections receive this object in their blueprint
factory and take everything from it: no ``current_app``, no ``app.extensions``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from admin.console.exchange import TokenExchange
from admin.console.sections import Navigation
from edge.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from audit.services import AuditServices
    from credentials.services import CredentialsServices
    from idp.services import IdpServices
    from keys import KeyRing
    from verify.services import VerifyServices


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """The console's settings (admin.settings documents them)."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    idle_timeout: int = 900
    session_max: int = 28800
    key_prepublish: int = 86400
    key_rotate_every: int = 7776000

    @property
    def redirect_uri(self) -> str:
        from admin.console.client import CALLBACK

        return self.issuer + CALLBACK

    @property
    def signed_out_uri(self) -> str:
        from admin.console.client import SIGNED_OUT

        return self.issuer + SIGNED_OUT

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ConsoleSettings:
        from admin.console.client import CLIENT_ID, client_secret

        return cls(issuer=values["ISSUER"], client_id=CLIENT_ID,
                   client_secret=client_secret(values["KEK_BYTES"]),
                   idle_timeout=values["CONSOLE_IDLE_TIMEOUT"],
                   session_max=values["CONSOLE_SESSION_MAX"],
                   key_prepublish=values["KEY_PREPUBLISH"],
                   key_rotate_every=values["KEY_ROTATE_EVERY"])


@dataclass(frozen=True, eq=False)
class ConsoleServices:
    """Everything a console section uses."""

    settings: ConsoleSettings
    unit_of_work: UnitOfWork
    engine: Engine
    keyring: KeyRing
    redis: Any  # redis.Redis, or None
    idp: IdpServices
    credentials: CredentialsServices
    verify: VerifyServices
    audit: AuditServices
    exchange: TokenExchange
    navigation: Navigation
    #: ``() -> {"database": "ok" | ..., "redis": ..., "backchannel": ...}`` (admin.health)
    health: Callable[[], dict[str, str]]

    def session(self) -> Session:
        """The request's unit-of-work session."""
        return self.unit_of_work.session()
