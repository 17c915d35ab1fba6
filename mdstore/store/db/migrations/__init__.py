"""Alembic migrations shipped inside the package; see ``mdstore.store.migrate``."""
