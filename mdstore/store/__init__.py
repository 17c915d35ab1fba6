"""Persistence: the only package that imports SQLAlchemy and alembic.

``db`` opens databases and runs transactions; ``records`` reads and writes the
rows of each entity; ``filter`` compiles MLMD filter queries; ``lineage`` walks
events in SQL; ``driver`` runs the statements that skip SQLAlchemy's Core.
"""

from mdstore.store.db.database import Database
from mdstore.store.db.transactions import ConflictRetry, Transaction, principal

__all__ = ["ConflictRetry", "Database", "Transaction", "principal"]
