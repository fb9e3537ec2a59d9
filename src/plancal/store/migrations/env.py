"""Alembic environment: plancal runs migrations programmatically (see plancal.store.engine.upgrade)."""

from alembic import context

from plancal.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("plancal migrations run through plancal.store.engine.upgrade(), which passes a connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
