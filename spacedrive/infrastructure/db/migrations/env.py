"""Alembic environment: always given a live connection by ``spacedrive.infrastructure.db.database``."""

from __future__ import annotations

from alembic import context

from spacedrive.infrastructure.db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables safely
)
with context.begin_transaction():
    context.run_migrations()
