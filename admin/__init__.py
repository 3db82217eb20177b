"""The composition root: create_app, configuration, database, CLI and operator console."""
