"""Database URL -> SQLAlchemy engine, with the settings each backend needs.

SQLite runs in WAL mode with ``synchronous=FULL`` by default: an acknowledged
commit survives a power loss or an OS crash, as ml-metadata's rollback-journal
files do. ``?synchronous=normal`` on the URL trades that for cheaper commits
(a process crash still loses nothing; a power loss may roll back the last
commits). MySQL and PostgreSQL run READ COMMITTED with LIFO pools.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from mdstore.errors import InvalidArgumentError
from mdstore.store import driver

SQLITE_BUSY_TIMEOUT_S = 30
# The URL query parameter choosing SQLite's commit durability, and its values.
SYNCHRONOUS_PARAMETER = "synchronous"
SYNCHRONOUS_LEVELS = ("full", "normal", "extra")
DEFAULT_SYNCHRONOUS = "full"


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, for logs and startup lines."""
    return make_url(url).render_as_string(hide_password=True)


def create_db_engine(url: str, pool_size: int = 10) -> Engine:
    """Creates an engine with the settings each backend needs for concurrent use.

    Raises:
        InvalidArgumentError: an unsupported database, or a bad ``synchronous``.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, pool_size)
    if backend not in ("mysql", "mariadb", "postgresql"):
        raise InvalidArgumentError(
            f"unsupported database {backend!r}: use sqlite://, mysql+pymysql:// or postgresql+psycopg://"
        )
    if SYNCHRONOUS_PARAMETER in parsed.query:
        raise InvalidArgumentError("synchronous= is a SQLite setting; remove it from the URL")
    # READ COMMITTED avoids MySQL gap-lock deadlocks between concurrent inserters;
    # uniqueness is guaranteed by constraints, not by isolation.
    return create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=pool_size,
        # As on SQLite: the connection used last (its prepared statements and the
        # server's caches for it are warm) serves the next call.
        pool_use_lifo=True,
        pool_pre_ping=True,
        pool_recycle=3600,
        isolation_level="READ COMMITTED",
    )


def _synchronous(parsed: URL) -> str:
    value = parsed.query.get(SYNCHRONOUS_PARAMETER, DEFAULT_SYNCHRONOUS)
    if not isinstance(value, str) or value.lower() not in SYNCHRONOUS_LEVELS:
        raise InvalidArgumentError(
            f"synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}, got {value!r}"
        )
    return value.lower()


def _sqlite_engine(parsed: URL, pool_size: int) -> Engine:
    synchronous = _synchronous(parsed)
    parsed = parsed.difference_update_query([SYNCHRONOUS_PARAMETER])
    in_memory = (parsed.database or ":memory:") in ("", ":memory:")
    # One shared connection for an in-memory database (each connection would get a
    # database of its own); a pool as large as the server's thread pool otherwise.
    pool_args: dict[str, Any] = (
        {"poolclass": StaticPool}
        if in_memory
        # LIFO: under light load the same few connections serve every call, so
        # their page caches stay warm instead of rotating through the whole pool.
        else {"pool_size": pool_size, "max_overflow": pool_size, "pool_use_lifo": True}
    )
    engine = create_engine(
        parsed,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
        **pool_args,
    )
    if in_memory:
        # The one shared connection must not run two transactions at once.
        engine.mdstore_serial_lock = threading.Lock()  # type: ignore[attr-defined]
    settings = driver.SqliteSettings(
        busy_timeout_ms=SQLITE_BUSY_TIMEOUT_S * 1000, synchronous=synchronous, on_disk=not in_memory
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        driver.configure_sqlite(dbapi_conn, settings)

    _begin_explicitly(engine)
    return engine


def _begin_explicitly(engine: Engine) -> None:
    """Makes every SQLite transaction of ``engine`` start with an explicit BEGIN.

    A writer takes the lock up front (BEGIN IMMEDIATE), so two writers queue on the
    busy timeout instead of deadlocking when both upgrade a read lock. Readers
    (``run_in_transaction(read_only=True)``) start deferred and, with WAL, never
    wait for writers. Any other transaction, e.g. a migration's ``engine.begin()``,
    is a writer.

    This is the dialect's ``do_begin`` hook (a no-op for pysqlite), replaced on this
    engine's own dialect instance and sending BEGIN straight to the driver. The
    documented alternative, a ``"begin"`` event listener, costs more per request: it
    turns on SQLAlchemy's per-connection event dispatch and runs BEGIN through the
    full statement-execution path.
    """
    engine.dialect.do_begin = driver.begin_sqlite  # type: ignore[method-assign]
