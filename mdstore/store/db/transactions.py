"""One transaction per request: retries of what can succeed again, and error mapping.

This is the only place that translates SQLAlchemy exceptions into mdstore errors
(MLflow's ``_get_managed_session_maker`` pattern): the transaction rolls back, the
exception is mapped, and the cause is chained with ``from``.

Retried, because a rerun sees the other transaction's committed rows: deadlocks,
lock timeouts, serialization failures, and unique-key violations (two writers
inserting the same name: the rerun takes the "already exists" path of the
request's own logic). Not retried: any other integrity error (a foreign key, a
NOT NULL), which fails the same way every time.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError

from mdstore.errors import (
    AbortedError,
    AlreadyExistsError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    MdstoreError,
    UnavailableError,
)
from mdstore.store import driver

log = logging.getLogger(__name__)
T = TypeVar("T")

Transaction = Connection
"""What request logic receives: the request's one open transaction."""

# Attempts per request before a deadlock, lock timeout or unique-key race is reported.
MAX_ATTEMPTS = 8

# Transactions rerun ("retry") and database errors by the error they became
# ("error:UnavailableError"), since the process started: the server's metrics read
# them. Counter increments are atomic enough under the GIL for counting.
STATS: Counter[str] = Counter()

# Driver error codes that mean "another transaction got in the way; run it again".
_MYSQL_RETRY_CODES = {1213, 1205}  # deadlock, lock wait timeout
_PG_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available
_MYSQL_GONE_CODES = {2002, 2003, 2006, 2013, 2055}
# Unique-key violations: MySQL's duplicate entry (and its keyed form), PostgreSQL's
# unique_violation; SQLite names them in the message.
_MYSQL_DUPLICATE_CODES = {1062, 1586}
_PG_UNIQUE_SQLSTATE = "23505"
_SQLITE_UNIQUE_PREFIX = "unique constraint failed"
# Foreign-key violations: a write naming a row that is not there (MySQL: 1451 when a
# row still referenced goes, 1452 when the referenced row is missing).
_MYSQL_FOREIGN_KEY_CODES = {1451, 1452}
_PG_FOREIGN_KEY_SQLSTATE = "23503"
_SQLITE_FOREIGN_KEY_PREFIX = "foreign key constraint failed"


class ConflictRetry(Exception):
    """Raised by request logic when a concurrent commit broke what it had read.

    Example: PutExecution with reuse_context_if_already_exist looked a context up,
    found none, and another server committed it before the insert. The whole
    request is rolled back and rerun, which then reuses the committed row; after
    MAX_ATTEMPTS the wrapped error is raised.
    """

    def __init__(self, cause: MdstoreError) -> None:
        super().__init__(str(cause))
        self.cause = cause


def run_in_transaction(
    engine: Engine, work: Callable[[Transaction], T], *, read_only: bool = False
) -> T:
    """Runs ``work`` in one transaction, retrying conflicts; maps database errors.

    Raises:
        AbortedError: a deadlock or serialization failure persisted after MAX_ATTEMPTS.
        AlreadyExistsError: a unique key still fails after MAX_ATTEMPTS.
        FailedPreconditionError: a foreign key failed (a row the write names is gone).
        UnavailableError: the database cannot be reached.
        InvalidArgumentError: the database rejected a value (e.g. out of range).
        InternalError: anything else; details are logged, not returned.
    """
    lock = getattr(engine, "mdstore_serial_lock", None)
    if lock is not None:
        with lock:
            return _attempts(engine, work, read_only)
    return _attempts(engine, work, read_only)


def _attempts(engine: Engine, work: Callable[[Transaction], T], read_only: bool) -> T:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with engine.connect() as conn:
                if read_only and conn.dialect.name == "sqlite":
                    conn.connection.info[driver.READ_ONLY_KEY] = True  # read by begin_sqlite
                elif read_only and conn.dialect.name == "postgresql":
                    _autocommit(conn)
                with conn.begin():
                    return work(conn)
        except ConflictRetry as e:
            if attempt < MAX_ATTEMPTS:
                STATS["retry"] += 1
                _back_off(attempt)
                continue
            raise e.cause from e
        except SQLAlchemyError as e:
            retry = is_retryable(e)
            if retry and attempt < MAX_ATTEMPTS:
                STATS["retry"] += 1
                _back_off(attempt)
                continue
            mapped = map_error(e, retry)
            STATS[f"error:{type(mapped).__name__}"] += 1
            raise mapped from e
    raise AssertionError("unreachable")


def _back_off(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.01 * 2**attempt))


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


def is_unique_violation(e: IntegrityError) -> bool:
    """Whether the integrity error is a unique (or primary) key violation."""
    mysql_code, sqlstate = _driver_code(e)
    if mysql_code in _MYSQL_DUPLICATE_CODES or sqlstate == _PG_UNIQUE_SQLSTATE:
        return True
    return str(e.orig).lower().startswith(_SQLITE_UNIQUE_PREFIX)


def _is_foreign_key_violation(e: IntegrityError) -> bool:
    mysql_code, sqlstate = _driver_code(e)
    if mysql_code in _MYSQL_FOREIGN_KEY_CODES or sqlstate == _PG_FOREIGN_KEY_SQLSTATE:
        return True
    return str(e.orig).lower().startswith(_SQLITE_FOREIGN_KEY_PREFIX)


def is_retryable(e: SQLAlchemyError) -> bool:
    """Whether rerunning the transaction can succeed: a unique-key race, a deadlock,
    a lock timeout or a serialization failure."""
    if isinstance(e, IntegrityError):
        return is_unique_violation(e)
    if not isinstance(e, DBAPIError):
        return False
    mysql_code, sqlstate = _driver_code(e)
    if mysql_code in _MYSQL_RETRY_CODES or sqlstate in _PG_RETRY_SQLSTATES:
        return True
    text = str(e.orig).lower()
    return "database is locked" in text or "deadlock" in text


def map_error(e: SQLAlchemyError, retryable: bool) -> Exception:
    """The mdstore error a failed transaction reports (``retryable``: it was retried)."""
    if isinstance(e, IntegrityError):
        if is_unique_violation(e):
            return AlreadyExistsError("the write conflicts with a unique key held by another row")
        if _is_foreign_key_violation(e):
            return FailedPreconditionError(
                "the write refers to a row that does not exist (was it removed meanwhile?)"
            )
    elif retryable:
        return AbortedError("the transaction kept conflicting with concurrent writes; retry it")
    elif isinstance(e, DBAPIError):
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


# Who asks, for the request running on a connection (set by the service for the
# length of one request; "" without authentication).
_PRINCIPAL_KEY = "mdstore.principal"


def set_principal(conn: Transaction, name: str | None) -> None:
    """Names the caller of the request on ``conn``; None forgets it (request over)."""
    if name is None:
        conn.info.pop(_PRINCIPAL_KEY, None)
    else:
        conn.info[_PRINCIPAL_KEY] = name


def principal(conn: Transaction) -> str:
    """The caller of the request on ``conn`` ("" when unknown or unauthenticated)."""
    found: str = conn.info.get(_PRINCIPAL_KEY, "")
    return found
