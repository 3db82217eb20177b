"""The names people know a client by, for pages that would otherwise show a raw
``client_id``: a department system by its department's name (credentials' catalogue),
any other client by the name the provider registered (a service hall, the wallet).

Lives in the composition root because it reads both idp's and credentials' tables,
which never import each other."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from credentials.models.catalogue import Department, DepartmentClient
from idp.models.clients import OAuthClient


def client_names(session: Session, client_ids: Collection[str]) -> dict[str, str]:
    """``{client_id: name}`` for the registered ones among ``client_ids``; a client
    registered to a department is named by the department."""
    wanted = sorted(set(client_ids))
    if not wanted:
        return {}
    names = dict(session.execute(select(OAuthClient.client_id, OAuthClient.name)
                                 .where(OAuthClient.client_id.in_(wanted))).all())
    names.update(session.execute(
        select(DepartmentClient.client_id, Department.name)
        .join(Department, Department.code == DepartmentClient.department_code)
        .where(DepartmentClient.client_id.in_(wanted))).all())
    return names
