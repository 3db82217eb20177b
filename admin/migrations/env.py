"""Alembic environment: runs on the engine handed over by admin.db (no URL in files)."""

from alembic import context

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, render_as_batch=True)
    context.run_migrations()
