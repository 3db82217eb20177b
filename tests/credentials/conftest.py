"""Credentials fixtures: the app with our blueprints, a department with a type."""

from __future__ import annotations

import pytest

from tests.credentials.helpers import make_department


@pytest.fixture
def dept(app, unique):
    return make_department(app, unique)


def count(app, model, **where) -> int:
    from sqlalchemy import func, select

    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    with app.services.sessions() as session:
        return session.scalar(query)
