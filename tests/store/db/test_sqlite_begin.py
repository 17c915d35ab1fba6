"""SQLite transactions begin explicitly: writers IMMEDIATE, readers deferred.

The BEGIN comes from the engine's dialect hook rather than a "begin" event (see
``engine._begin_explicitly``). What must hold either way: a writer owns the write
lock from its first statement on, so two writers queue instead of deadlocking; a
reader never takes it; every other transaction (a migration's ``engine.begin()``)
is a writer; and the reader's mark never leaks into the next transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from mdstore.errors import AbortedError
from mdstore.store.db import transactions as engine_module
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.transactions import run_in_transaction


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "begin.db"


@pytest.fixture
def engine(path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{path}", pool_size=2)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def write_lock_is_free(path: Path) -> bool:
    """Whether another connection can take the write lock right now (no waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as e:
        if "locked" not in str(e):
            raise
        return False
    finally:
        other.close()  # rolls back the BEGIN, if it got one
    return True


def test_a_writer_holds_the_write_lock_before_its_first_statement(
    engine: Engine, path: Path
) -> None:
    seen = run_in_transaction(engine, lambda _conn: write_lock_is_free(path))

    assert seen is False
    assert write_lock_is_free(path)  # released at commit


def test_a_reader_never_takes_the_write_lock(engine: Engine, path: Path) -> None:
    def read(conn: Connection) -> bool:
        conn.execute(text("SELECT count(*) FROM t")).all()
        return write_lock_is_free(path)

    assert run_in_transaction(engine, read, read_only=True) is True


def test_a_plain_engine_begin_is_a_writer(engine: Engine, path: Path) -> None:
    with engine.begin():
        assert not write_lock_is_free(path)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # autobegin
        assert not write_lock_is_free(path)
        conn.rollback()


def test_the_read_only_mark_does_not_outlive_its_transaction(engine: Engine, path: Path) -> None:
    for _ in range(3):
        run_in_transaction(engine, lambda c: c.execute(text("SELECT 1")).all(), read_only=True)
        assert run_in_transaction(engine, lambda _c: write_lock_is_free(path)) is False
        with engine.begin():
            assert not write_lock_is_free(path)


def test_writes_commit_and_failures_roll_back(engine: Engine) -> None:
    run_in_transaction(engine, lambda c: c.execute(text("INSERT INTO t VALUES (1)")))

    def fail(conn: Connection) -> None:
        conn.execute(text("INSERT INTO t VALUES (2)"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_in_transaction(engine, fail)
    rows = run_in_transaction(
        engine, lambda c: c.execute(text("SELECT x FROM t")).all(), read_only=True
    )
    assert [r.x for r in rows] == [1]


def test_a_writer_that_cannot_get_the_lock_is_retried_then_aborted(
    engine: Engine, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "MAX_ATTEMPTS", 2)
    monkeypatch.setattr(engine_module.time, "sleep", lambda _s: None)
    attempts: list[Any] = []

    def work(_conn: Connection) -> None:
        attempts.append(1)

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with engine.connect() as conn:  # a short busy timeout, so BEGIN fails fast
            conn.connection.driver_connection.execute("PRAGMA busy_timeout=10")
        with pytest.raises(AbortedError):
            run_in_transaction(engine, work)
    finally:
        holder.rollback()
        holder.close()
    assert attempts == []  # BEGIN IMMEDIATE failed before any work ran


def test_no_connection_events_on_the_engine(engine: Engine) -> None:
    """A connection-level listener would put event dispatch on every statement."""
    assert not engine.dispatch.begin
    assert not engine.dispatch.before_execute
    assert not engine.dispatch.before_cursor_execute
