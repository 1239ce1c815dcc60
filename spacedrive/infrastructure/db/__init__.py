"""The library database: SQLAlchemy models, engines, Alembic migrations."""
