"""Hot read statements run straight on the driver's cursor.

SQLAlchemy's Core execution path (statement cache lookup, expanding-IN rewriting,
result wrapping) costs several times more Python time than SQLite takes to answer
a primary-key lookup. The few statements every read runs (nodes by id, events by
node, one lineage hop) are plain SQL text here, rendered once per IN-list length
and dialect, executed on the transaction's own DBAPI connection. Everything else
stays in SQLAlchemy Core.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

# IN lists are split so no backend meets its bound-parameter limit, and so the
# number of distinct statement texts (one per length) stays bounded.
CHUNK = 500


@functools.lru_cache(maxsize=4096)
def render(template: str, paramstyle: str, *lengths: int) -> str:
    """``template`` with each ``{}`` replaced by a placeholder list of that length."""
    mark = "?" if paramstyle == "qmark" else "%s"
    return template.format(*(", ".join([mark] * n) for n in lengths))


def fetch(conn: Connection, template: str, *lists: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``template`` with its ``{}`` slots bound to ``lists`` (none empty)."""
    sql = render(template, conn.dialect.paramstyle, *(len(values) for values in lists))
    params = [value for values in lists for value in values]
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    except conn.dialect.loaded_dbapi.Error as e:
        # Wrapped as SQLAlchemy would, so engine.run_in_transaction retries and maps it.
        raise DBAPIError.instance(sql, params, e, conn.dialect.loaded_dbapi.Error) from e
    finally:
        cursor.close()


def fetch_chunked(conn: Connection, template: str, ids: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of a one-slot ``template`` over any number of ids, CHUNK at a time."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), CHUNK):
        rows.extend(fetch(conn, template, ids[start : start + CHUNK]))
    return rows
