"""Every statement that runs straight on the driver's cursor, and nothing else does.

SQLAlchemy's Core execution path (statement cache lookup, expanding-IN rewriting,
result wrapping) costs several times more Python time than SQLite takes to answer
a primary-key lookup or append a row. The statements every read and every node
write runs (nodes by id, events by node, one lineage hop, node, property, event
and link inserts) are plain SQL text here, rendered once per IN-list length and
dialect, executed on the transaction's own DBAPI connection, so they commit or
roll back with the rest of the request. Everything else stays in SQLAlchemy Core.

Driver errors are re-raised as SQLAlchemy's, so db.transactions retries and maps
them exactly as it does for Core statements. SQLite's connection settings and its
BEGIN (db.engine installs both) run here too.

Templates mark each IN list, or each value of a row, with ``{}``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

# IN lists are split so no backend meets its bound-parameter limit, and so the
# number of distinct statement texts (one per length) stays bounded.
CHUNK = 500
# Pairs probed per statement by fetch_pairs (two bound values each).
PAIR_CHUNK = 200

_T = TypeVar("_T")


def batches(items: Iterable[_T], size: int = CHUNK) -> Iterator[list[_T]]:
    """Consecutive runs of at most ``size`` items: the one way lists are split."""
    batch: list[_T] = list(items)
    for start in range(0, len(batch), size):
        yield batch[start : start + size]


@functools.lru_cache(maxsize=4096)
def render(template: str, paramstyle: str, *lengths: int) -> str:
    """``template`` with each ``{}`` replaced by a placeholder list of that length."""
    mark = "?" if paramstyle == "qmark" else "%s"
    return template.format(*(", ".join([mark] * n) for n in lengths))


@functools.lru_cache(maxsize=1024)
def array_form(template: str) -> tuple[str, tuple[bool, ...]]:
    """PostgreSQL's form of ``template``: each ``IN ({})`` becomes ``= ANY({})``,
    whose slot takes the whole list as one array parameter; also which slots do.

    Measured on PostgreSQL 15, 100 ids: ``id IN ($1, …, $100)`` took 3.5–4.5 ms a
    statement (planning a long list costs more than the index lookups), ``id =
    ANY($1)`` 1.4 ms; one statement text also serves every list length.
    """
    pieces = template.split("{}")
    arrays = tuple(piece.endswith("IN (") for piece in pieces[:-1])
    if any(piece.endswith("NOT IN (") for piece in pieces[:-1]):
        raise ValueError(f"NOT IN lists have no array form here: {template}")
    out = [
        piece[: -len("IN (")] + "= ANY(" if array else piece
        for piece, array in zip(pieces[:-1], arrays, strict=True)
    ]
    return "{}".join([*out, pieces[-1]]), arrays


def binds_whole_lists(conn: Connection) -> bool:
    """Whether an IN list of any length is one parameter here (``array_form``), so
    no bound-parameter limit asks for it to be split: PostgreSQL."""
    return conn.dialect.name == "postgresql"


def _statement(
    conn: Connection, template: str, lists: Sequence[Sequence[Any]]
) -> tuple[str, list[Any]]:
    """The SQL text for ``template`` and its parameters, flattened in slot order."""
    if binds_whole_lists(conn):
        template, arrays = array_form(template)
        lists = [
            [list(values)] if array else values for values, array in zip(lists, arrays, strict=True)
        ]
    sql = render(template, conn.dialect.paramstyle, *(len(values) for values in lists))
    return sql, [value for values in lists for value in values]


def fetch(conn: Connection, template: str, *lists: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``template`` with its ``{}`` slots bound to ``lists`` (none empty)."""
    sql, params = _statement(conn, template, lists)
    with _cursor(conn, sql, params) as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def execute(conn: Connection, template: str, *lists: Sequence[Any]) -> None:
    """Runs a statement returning no rows, its ``{}`` slots bound to ``lists``."""
    sql, params = _statement(conn, template, lists)
    with _cursor(conn, sql, params) as cursor:
        cursor.execute(sql, params)


def execute_many(conn: Connection, template: str, rows: Sequence[Sequence[Any]]) -> None:
    """Runs a statement whose every ``{}`` is one value, once per row (one executemany)."""
    if not rows:
        return
    sql = render(template, conn.dialect.paramstyle, *([1] * template.count("{}")))
    with _cursor(conn, sql, rows) as cursor:
        cursor.executemany(sql, rows)


def insert_sql(table: str, columns: Sequence[str]) -> str:
    """``INSERT INTO table (columns) VALUES ({}, ...)``: a template for ``execute_many``."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['{}'] * len(columns))})"


def fetch_pairs(
    conn: Connection, select: str, columns: tuple[str, str], pairs: Sequence[tuple[Any, Any]]
) -> list[tuple[Any, ...]]:
    """Rows of ``select`` (text up to its WHERE) whose two ``columns`` equal one of ``pairs``.

    One ``(a = ? AND b = ?)`` probe per pair, ORed: each is a lookup of an index on
    the pair, portable where row-value IN lists are not, and the database's own
    comparison decides what matches.
    """
    probe = f"({columns[0]} = {{}} AND {columns[1]} = {{}})"
    rows: list[tuple[Any, ...]] = []
    for chunk in batches(pairs, PAIR_CHUNK):
        template = f"{select} WHERE " + " OR ".join([probe] * len(chunk))
        rows.extend(fetch(conn, template, *([value] for pair in chunk for value in pair)))
    return rows


def insert_ids(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Any]
) -> list[int]:
    """Inserts rows (value tuples in ``columns`` order); returns their new ids in row order.

    SQLite: one INSERT per CHUNK rows. SQLite gives the rows of one INSERT
    consecutive rowids (each one more than the largest before it; mdstore never
    sets ids itself), and ``lastrowid`` is the last of them. MySQL may interleave
    the auto-increment values of concurrent multi-row INSERTs, and PostgreSQL's
    RETURNING order is not promised, so there it is one INSERT per row.
    """
    names = ", ".join(columns)
    dialect = conn.dialect.name
    if dialect == "sqlite":
        ids: list[int] = []
        for chunk in batches(rows):
            template = f"INSERT INTO {table} ({names}) VALUES " + ", ".join(["({})"] * len(chunk))
            sql = render(template, conn.dialect.paramstyle, *([len(columns)] * len(chunk)))
            params = [value for row in chunk for value in row]
            with _cursor(conn, sql, params) as cursor:
                cursor.execute(sql, params)
                last = int(cursor.lastrowid)
            ids.extend(range(last - len(chunk) + 1, last + 1))
        return ids
    returning = " RETURNING id" if dialect == "postgresql" else ""
    sql = render(
        f"INSERT INTO {table} ({names}) VALUES ({{}}){returning}",
        conn.dialect.paramstyle,
        len(columns),
    )
    ids = []
    with _cursor(conn, sql, rows) as cursor:
        for row in rows:
            cursor.execute(sql, row)
            ids.append(int(cursor.fetchone()[0] if returning else cursor.lastrowid))
    return ids


@contextlib.contextmanager
def _cursor(conn: Connection, sql: str, params: Any) -> Iterator[Any]:
    """A cursor of the transaction's DBAPI connection; driver errors as SQLAlchemy's."""
    cursor = conn.connection.cursor()
    try:
        yield cursor
    except conn.dialect.loaded_dbapi.Error as e:
        raise DBAPIError.instance(sql, params, e, conn.dialect.loaded_dbapi.Error) from e
    finally:
        cursor.close()


def fetch_chunked(conn: Connection, template: str, ids: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of a one-slot ``template`` over any number of ids, CHUNK at a time."""
    rows: list[tuple[Any, ...]] = []
    for chunk in batches(ids):
        rows.extend(fetch(conn, template, chunk))
    return rows


# ---------------------------------------------------------------- SQLite connections


@dataclass(frozen=True)
class SqliteSettings:
    """What every new SQLite connection of an engine is set to."""

    busy_timeout_ms: int
    synchronous: str  # "full", "normal" or "extra"
    on_disk: bool  # False for an in-memory database


# Address space (not memory) for reading the database file through mmap.
SQLITE_MMAP_BYTES = 1 << 30
# WAL pages a commit may leave before it copies them back into the database (SQLite's
# default is 1,000). Ingest rewrites the same index pages batch after batch; copying
# them back less often measured 15-28% faster for batches of 100 artifacts. The WAL
# file is cut back to SQLITE_WAL_LIMIT_BYTES after each checkpoint.
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000
SQLITE_WAL_LIMIT_BYTES = 64 << 20
# Set on a pooled SQLite connection's info just before a read-only transaction begins.
READ_ONLY_KEY = "mdstore_read_only"


def configure_sqlite(dbapi_conn: Any, settings: SqliteSettings) -> None:
    """Applies ``settings`` to a new SQLite connection (the engine's connect hook)."""
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (begin_sqlite).
    dbapi_conn.isolation_level = None
    pragmas = [
        f"busy_timeout={settings.busy_timeout_ms}",
        "foreign_keys=ON",
        f"synchronous={settings.synchronous.upper()}",
    ]
    if settings.on_disk:
        pragmas = [
            "journal_mode=WAL",
            *pragmas,
            # Reads through a shared memory map: every pooled connection sees the
            # OS page cache instead of filling a private 2 MiB cache of its own.
            f"mmap_size={SQLITE_MMAP_BYTES}",
            f"wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT_PAGES}",
            f"journal_size_limit={SQLITE_WAL_LIMIT_BYTES}",
        ]
    cursor = dbapi_conn.cursor()
    try:
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
    finally:
        cursor.close()


def begin_sqlite(dbapi_connection: Any) -> None:
    """BEGIN for a pooled SQLite connection: IMMEDIATE (take the write lock now)
    unless the transaction was marked read-only (``READ_ONLY_KEY``)."""
    read_only = dbapi_connection.info.pop(READ_ONLY_KEY, False)
    dbapi_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
