"""Driver-level writes (store/raw_sql.py) on every backend.

``insert_ids`` must hand back each row's own id in row order (SQLite derives them
from ``lastrowid`` of one multi-row INSERT per chunk, the others insert row by row),
and a driver error must surface as SQLAlchemy's so the transaction logic maps it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from mdstore.store.backend import Backend
from mdstore.store.raw_sql import CHUNK, execute, execute_many, fetch, insert_ids


def _type_id(backend: Backend) -> int:
    with backend.engine.begin() as conn:
        conn.execute(text("INSERT INTO type (kind, name, version) VALUES (1, 'raw', '')"))
        return int(conn.execute(text("SELECT id FROM type WHERE name = 'raw'")).scalar_one())


def test_insert_ids_are_each_rows_own_id_across_chunks(backend: Backend) -> None:
    type_id = _type_id(backend)
    count = CHUNK + 37  # more than one SQLite statement
    rows = [(type_id, f"a{i}", f"uri-{i}", 0, 0) for i in range(count)]
    columns = ("type_id", "name", "uri", "create_time_since_epoch", "last_update_time_since_epoch")
    with backend.engine.begin() as conn:
        first = insert_ids(conn, "artifact", columns, rows[:1])
        ids = insert_ids(conn, "artifact", columns, rows[1:])
        stored = dict(fetch(conn, "SELECT id, name FROM artifact WHERE type_id IN ({})", [type_id]))
    assert len(set(first + ids)) == count
    assert [stored[i] for i in first + ids] == [f"a{i}" for i in range(count)]


def test_execute_many_and_execute_write_in_the_callers_transaction(backend: Backend) -> None:
    type_id = _type_id(backend)
    insert = "INSERT INTO type_property (type_id, name, data_type) VALUES ({}, {}, {})"
    conn = backend.engine.connect()
    transaction = conn.begin()
    execute_many(conn, insert, [(type_id, "p", 1), (type_id, "q", 2)])
    transaction.rollback()
    conn.close()
    with backend.engine.begin() as conn:
        assert fetch(conn, "SELECT name FROM type_property WHERE type_id IN ({})", [type_id]) == []
        execute_many(conn, insert, [(type_id, "p", 1), (type_id, "q", 2)])
        execute(conn, "DELETE FROM type_property WHERE name IN ({})", ["q"])
    with backend.engine.begin() as conn:
        names = fetch(conn, "SELECT name FROM type_property WHERE type_id IN ({})", [type_id])
    assert names == [("p",)]


def test_a_driver_error_is_raised_as_sqlalchemys(backend: Backend) -> None:
    type_id = _type_id(backend)
    insert = "INSERT INTO type_property (type_id, name, data_type) VALUES ({}, {}, {})"
    with pytest.raises(IntegrityError), backend.engine.begin() as conn:
        execute_many(conn, insert, [(type_id, "p", 1), (type_id, "p", 1)])
