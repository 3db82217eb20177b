from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from idp.models import accounts, login_throttle, sso_sessions  # noqa: F401  (register tables)
from idp.models.base import Base

OURS = {"idp_accounts", "idp_authorisations", "idp_recovery_codes", "idp_sso_sessions",
        "idp_sso_participants", "idp_login_throttle"}


def _ours(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "table":
        return name in OURS
    table = getattr(obj, "table", None)
    return table is None or table.name in OURS


def test_migrated_schema_matches_the_models(app):
    engine = app.extensions["onegate.engine"]
    assert OURS <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_object": _ours})
        assert compare_metadata(context, Base.metadata) == []
