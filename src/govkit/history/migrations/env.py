"""Alembic's entry point: run the migrations on the connection ``govkit.history.migrate`` hands over.

The caller has already opened the transaction (and, on PostgreSQL, taken the migration lock), so the
migrations run inside it: a store is either at the old revision or at the new one, never in between.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
