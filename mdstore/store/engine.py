"""Database URL -> engine, one transaction per request, retries and error mapping.

This is the only place that translates SQLAlchemy exceptions into mdstore errors
(MLflow's ``_get_managed_session_maker`` pattern): the transaction rolls back, the
exception is mapped, and the cause is chained with ``from``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from mdstore.errors import (
    AbortedError,
    AlreadyExistsError,
    InternalError,
    InvalidArgumentError,
    MdstoreError,
    UnavailableError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# Attempts per request before a deadlock, lock timeout or unique-key race is reported.
MAX_ATTEMPTS = 8
SQLITE_BUSY_TIMEOUT_S = 30
# Address space (not memory) for reading the database file through mmap.
SQLITE_MMAP_BYTES = 1 << 30
# WAL pages a commit may leave before it copies them back into the database (SQLite's
# default is 1,000). Ingest rewrites the same index pages batch after batch; copying
# them back less often measured 15-28% faster for batches of 100 artifacts. The WAL
# file is cut back to SQLITE_WAL_LIMIT_BYTES after each checkpoint.
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000
SQLITE_WAL_LIMIT_BYTES = 64 << 20

# Driver error codes that mean "another transaction got in the way; run it again".
_MYSQL_RETRY_CODES = {1213, 1205}  # deadlock, lock wait timeout
_PG_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available
_MYSQL_GONE_CODES = {2002, 2003, 2006, 2013, 2055}


class ConflictRetry(Exception):
    """Raised by request logic when a concurrent commit broke what it had read.

    Example: PutExecution with reuse_context_if_already_exist looked a context up,
    found none, and another server committed it before the insert. The engine
    rolls back and reruns the whole request, which then reuses the committed row;
    after MAX_ATTEMPTS the wrapped error is raised.
    """

    def __init__(self, cause: MdstoreError) -> None:
        super().__init__(str(cause))
        self.cause = cause


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, for logs and startup lines."""
    return make_url(url).render_as_string(hide_password=True)


def create_db_engine(url: str, pool_size: int = 10) -> Engine:
    """Creates an engine with the settings each backend needs for concurrent use."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database or ":memory:", pool_size)
    if backend not in ("mysql", "mariadb", "postgresql"):
        raise InvalidArgumentError(
            f"unsupported database {backend!r}: use sqlite://, mysql+pymysql:// or postgresql+psycopg://"
        )
    # READ COMMITTED avoids MySQL gap-lock deadlocks between concurrent inserters;
    # uniqueness is guaranteed by constraints, not by isolation.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # As on SQLite: the connection used last (its prepared statements and the
        # server's caches for it are warm) serves the next call.
        pool_use_lifo=True,
        pool_pre_ping=True,
        pool_recycle=3600,
        isolation_level="READ COMMITTED",
    )


def _sqlite_engine(url: str, database: str, pool_size: int) -> Engine:
    in_memory = database in ("", ":memory:")
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
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
        **pool_args,
    )

    if in_memory:
        # The one shared connection must not run two transactions at once.
        engine.mdstore_serial_lock = threading.Lock()  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (_begin_explicitly).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if not in_memory:
            # Reads through a shared memory map: every pooled connection sees the
            # OS page cache instead of filling a private 2 MiB cache of its own.
            cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
            cursor.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT_BYTES}")
        cursor.close()

    _begin_explicitly(engine)
    return engine


# Set on a pooled SQLite connection's info just before a read-only transaction begins.
_READ_ONLY_KEY = "mdstore_read_only"


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

    def do_begin(dbapi_connection: Any) -> None:  # the pool's proxy for the connection
        read_only = dbapi_connection.info.pop(_READ_ONLY_KEY, False)
        dbapi_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    engine.dialect.do_begin = do_begin  # type: ignore[method-assign]


def run_in_transaction(
    engine: Engine, work: Callable[[Connection], T], *, read_only: bool = False
) -> T:
    """Runs ``work`` in one transaction, retrying conflicts; maps database errors.

    Deadlocks, serialization failures and unique-key races between concurrent
    writers are retried with jittered backoff: the rerun sees the committed row and
    takes the "already exists" path of the request's own logic.

    Raises:
        AbortedError: the conflict persisted after MAX_ATTEMPTS.
        UnavailableError: the database cannot be reached.
        AlreadyExistsError: a unique constraint still fails after retries.
        InvalidArgumentError: the database rejected a value (e.g. out of range).
        InternalError: anything else; details are logged, not returned.
    """
    lock = getattr(engine, "mdstore_serial_lock", None)
    if lock is not None:
        with lock:
            return _attempts(engine, work, read_only)
    return _attempts(engine, work, read_only)


def _attempts(engine: Engine, work: Callable[[Connection], T], read_only: bool) -> T:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with engine.connect() as conn:
                if read_only and conn.dialect.name == "sqlite":
                    conn.connection.info[_READ_ONLY_KEY] = True  # read by do_begin
                elif read_only and conn.dialect.name == "postgresql":
                    _autocommit(conn)
                with conn.begin():
                    return work(conn)
        except ConflictRetry as e:
            if attempt < MAX_ATTEMPTS:
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
                continue
            raise e.cause from e
        except SQLAlchemyError as e:
            retry = _is_retryable(e)
            if retry and attempt < MAX_ATTEMPTS:
                time.sleep(random.uniform(0, 0.01 * 2**attempt))
                continue
            raise _map_error(e, retry) from e
    raise AssertionError("unreachable")


def _autocommit(conn: Connection) -> None:
    """Runs a read-only request's statements without BEGIN and COMMIT (PostgreSQL).

    Under READ COMMITTED every statement takes its own snapshot, inside a
    transaction or not, so a read sees the same rows either way; autocommit spares
    it two round trips. psycopg switches on the client side, and SQLAlchemy puts
    the engine's level back when the connection returns to the pool. (PyMySQL
    would send a SET statement each way, so MySQL keeps its transaction.)
    """
    conn.execution_options(isolation_level="AUTOCOMMIT")


def _driver_code(e: DBAPIError) -> tuple[int | None, str | None]:
    orig = e.orig
    args = getattr(orig, "args", ())
    mysql_code = args[0] if args and isinstance(args[0], int) else None
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return mysql_code, sqlstate


def _is_retryable(e: SQLAlchemyError) -> bool:
    if isinstance(e, IntegrityError):
        return True  # a concurrent insert of the same unique key; rerun and see it
    if not isinstance(e, DBAPIError):
        return False
    mysql_code, sqlstate = _driver_code(e)
    if mysql_code in _MYSQL_RETRY_CODES or sqlstate in _PG_RETRY_SQLSTATES:
        return True
    text = str(e.orig).lower()
    return "database is locked" in text or "deadlock" in text


def _map_error(e: SQLAlchemyError, retryable: bool) -> Exception:
    if isinstance(e, IntegrityError):
        return AlreadyExistsError("the write conflicts with a unique key held by another row")
    if retryable:
        return AbortedError("the transaction kept conflicting with concurrent writes; retry it")
    if isinstance(e, DBAPIError):
        mysql_code, _ = _driver_code(e)
        if e.connection_invalidated or mysql_code in _MYSQL_GONE_CODES:
            return UnavailableError("the database connection was lost; retry the request")
        if isinstance(e, OperationalError) and _looks_unreachable(str(e.orig)):
            return UnavailableError("the database cannot be reached")
        if type(e).__name__ == "DataError":
            return InvalidArgumentError("a value is out of range for its column")
    log.exception("unexpected database error")
    return InternalError("internal database error; see the server log")


def _looks_unreachable(text: str) -> bool:
    text = text.lower()
    return any(
        s in text
        for s in ("connection refused", "can't connect", "could not connect", "server closed")
    )
