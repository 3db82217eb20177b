"""Who runs a command: the ``--operator`` name given to ``onegate`` (or
``ONEGATE_OPERATOR``) and the OS user, recorded with every operator action.

The name is the operator's own statement; the OS user is what the machine says. Both
go into the entry, so a name that does not fit its account stands out.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

import click
from sqlalchemy.orm import Session

from audit import log

#: ``click.Context.meta`` member the root command sets from ``--operator``.
META_KEY = "onegate.operator"


def os_user() -> str:
    """The OS account running this process (``uid:N`` when it has no name)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def operator_name() -> str:
    """The ``--operator`` name of the running command, else the OS user."""
    ctx = click.get_current_context(silent=True)
    name = ctx.meta.get(META_KEY) if ctx is not None else None
    return name or os_user()


def actor() -> str:
    """The audit actor of an operator action: ``operator:<name>``."""
    return f"operator:{operator_name()}"


def record(session: Session, action: str, subject: str,
           data: dict[str, Any] | None = None) -> None:
    """Append ``operator.<action>`` by the running operator, in the caller's transaction.

    Raises what ``audit.log.append`` raises.
    """
    log.append(session, actor=actor(), action=f"operator.{action}", subject=subject,
               data={**(data or {}), "os_user": os_user()})
