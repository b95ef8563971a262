"""Alembic migrations of the history store, run programmatically by ``govkit.history.migrate``."""
