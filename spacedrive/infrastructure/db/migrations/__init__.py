"""Alembic migrations of the library database, run on open by ``database.migrate``."""
