"""``Database``: one database holding mdstore's tables, at the schema this code needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, text

from mdstore.store.db.engine import create_db_engine, mask_url
from mdstore.store.db.migrate import ensure_current
from mdstore.store.db.transactions import Transaction, run_in_transaction

T = TypeVar("T")


class Database:
    """A database checked to be at the current schema, and its connection pool.

    Args:
        url: SQLAlchemy URL: ``sqlite:///path.db``, ``mysql+pymysql://…``,
            ``postgresql+psycopg://…``.
        create_if_empty: create the schema when the database has none.
        pool_size: connections kept open.

    Raises:
        FailedPreconditionError: the schema is stale; run ``mdstore db upgrade``.
        UnavailableError: the database cannot be reached.
        InvalidArgumentError: the URL names no supported database.
    """

    def __init__(self, url: str, *, create_if_empty: bool = True, pool_size: int = 10) -> None:
        self.engine: Engine = create_db_engine(url, pool_size=pool_size)
        self.masked_url = mask_url(url)
        self.dialect = self.engine.dialect.name
        try:
            self.schema_version = ensure_current(self.engine, create_if_empty=create_if_empty)
        except BaseException:
            self.engine.dispose()
            raise

    def run(self, work: Callable[[Transaction], T], *, read_only: bool = False) -> T:
        """Runs ``work`` in one transaction (see ``db.transactions.run_in_transaction``)."""
        return run_in_transaction(self.engine, work, read_only=read_only)

    def ping(self) -> None:
        """Raises unless the database answers a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        """Closes all pooled connections."""
        self.engine.dispose()
