"""Driver-level writes (mdstore/store/driver.py) on every backend.

``insert_ids`` must hand back each row's own id in row order (SQLite derives them
from ``lastrowid`` of one multi-row INSERT per chunk, the others insert row by row),
and a driver error must surface as SQLAlchemy's so the transaction logic maps it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from mdstore.service.dispatch import Service
from mdstore.store.driver import CHUNK, array_form, execute, execute_many, fetch, insert_ids


def _type_id(service: Service) -> int:
    with service.database.engine.begin() as conn:
        conn.execute(text("INSERT INTO type (kind, name, version) VALUES (1, 'raw', '')"))
        return int(conn.execute(text("SELECT id FROM type WHERE name = 'raw'")).scalar_one())


def test_insert_ids_are_each_rows_own_id_across_chunks(service: Service) -> None:
    type_id = _type_id(service)
    count = CHUNK + 37  # more than one SQLite statement
    rows = [(type_id, f"a{i}", f"uri-{i}", 0, 0) for i in range(count)]
    columns = ("type_id", "name", "uri", "create_time_since_epoch", "last_update_time_since_epoch")
    with service.database.engine.begin() as conn:
        first = insert_ids(conn, "artifact", columns, rows[:1])
        ids = insert_ids(conn, "artifact", columns, rows[1:])
        stored = dict(fetch(conn, "SELECT id, name FROM artifact WHERE type_id IN ({})", [type_id]))
    assert len(set(first + ids)) == count
    assert [stored[i] for i in first + ids] == [f"a{i}" for i in range(count)]


def test_execute_many_and_execute_write_in_the_callers_transaction(service: Service) -> None:
    type_id = _type_id(service)
    insert = "INSERT INTO type_property (type_id, name, data_type) VALUES ({}, {}, {})"
    conn = service.database.engine.connect()
    transaction = conn.begin()
    execute_many(conn, insert, [(type_id, "p", 1), (type_id, "q", 2)])
    transaction.rollback()
    conn.close()
    with service.database.engine.begin() as conn:
        assert fetch(conn, "SELECT name FROM type_property WHERE type_id IN ({})", [type_id]) == []
        execute_many(conn, insert, [(type_id, "p", 1), (type_id, "q", 2)])
        execute(conn, "DELETE FROM type_property WHERE name IN ({})", ["q"])
    with service.database.engine.begin() as conn:
        names = fetch(conn, "SELECT name FROM type_property WHERE type_id IN ({})", [type_id])
    assert names == [("p",)]


def test_a_driver_error_is_raised_as_sqlalchemys(service: Service) -> None:
    type_id = _type_id(service)
    insert = "INSERT INTO type_property (type_id, name, data_type) VALUES ({}, {}, {})"
    with pytest.raises(IntegrityError), service.database.engine.begin() as conn:
        execute_many(conn, insert, [(type_id, "p", 1), (type_id, "p", 1)])


def test_array_form_binds_each_in_list_as_one_parameter() -> None:
    template = "SELECT id FROM t WHERE a IN ({}) AND b = {} OR c IN ({}) LIMIT {}"
    assert array_form(template) == (
        "SELECT id FROM t WHERE a = ANY({}) AND b = {} OR c = ANY({}) LIMIT {}",
        (True, False, True, False),
    )
    with pytest.raises(ValueError, match="NOT IN"):
        array_form("SELECT id FROM t WHERE a NOT IN ({})")


def test_in_lists_read_alike_on_every_backend(service: Service) -> None:
    """IN lists of ints and strings, with scalar slots between (PostgreSQL: arrays)."""
    type_id = _type_id(service)
    columns = ("type_id", "name", "uri", "create_time_since_epoch", "last_update_time_since_epoch")
    with service.database.engine.begin() as conn:
        ids = insert_ids(
            conn, "artifact", columns, [(type_id, f"n{i}", "u", 0, 0) for i in range(5)]
        )
        template = "SELECT name FROM artifact WHERE id IN ({}) AND type_id = {} AND name IN ({})"
        big = [*ids, 2**40]  # an id beyond int4 in the same list
        rows = fetch(conn, template, big, [type_id], ["n1", "n3", "x'; --"])
        assert sorted(rows) == [("n1",), ("n3",)]
        execute(conn, "DELETE FROM artifact WHERE id IN ({}) AND type_id = {}", ids[:2], [type_id])
        left = fetch(conn, "SELECT id FROM artifact WHERE id IN ({})", ids)
    assert sorted(r[0] for r in left) == ids[2:]
