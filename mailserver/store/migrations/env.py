"""Alembic environment: runs on a connection handed over by `mailserver.store.migrate` (never opens its own)."""

from alembic import context

connection = context.config.attributes["connection"]
target_metadata = context.config.attributes.get("target_metadata")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
