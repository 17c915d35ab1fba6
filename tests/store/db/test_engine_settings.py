"""Every pooled SQLite connection gets mdstore's settings (durable commits unless the
URL opts out), and every pool hands back the connection used last (its caches are
the warm ones)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine

from mdstore.errors import InvalidArgumentError
from mdstore.store import driver
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.transactions import run_in_transaction
from tests.helpers.databases import admin_url

EXPECTED = {
    "journal_mode": "wal",
    "synchronous": 2,  # FULL: an acknowledged commit survives a power loss
    "foreign_keys": 1,
    "mmap_size": driver.SQLITE_MMAP_BYTES,
    "wal_autocheckpoint": driver.SQLITE_WAL_AUTOCHECKPOINT_PAGES,
    "journal_size_limit": driver.SQLITE_WAL_LIMIT_BYTES,
}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'settings.db'}", pool_size=3)
    yield engine
    engine.dispose()


def _pragmas(dbapi_connection: object) -> dict[str, object]:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    return {name: cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in EXPECTED}


def test_each_pooled_connection_has_the_settings(engine: Engine) -> None:
    held = [engine.raw_connection() for _ in range(3)]  # three distinct connections
    try:
        for connection in held:
            assert _pragmas(connection.dbapi_connection) == EXPECTED
    finally:
        for connection in held:
            connection.close()


@pytest.mark.parametrize(
    ("query", "level"), [("normal", 1), ("NORMAL", 1), ("full", 2), ("extra", 3)]
)
def test_the_url_chooses_commit_durability(tmp_path: Path, query: str, level: int) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'sync.db'}?synchronous={query}")
    try:
        with engine.connect() as conn:
            pragmas = _pragmas(conn.connection.dbapi_connection)
    finally:
        engine.dispose()
    assert pragmas == {**EXPECTED, "synchronous": level}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///x.db?synchronous=off", "synchronous must be one of full, normal, extra"),
        ("postgresql+psycopg://h/db?synchronous=normal", "synchronous= is a SQLite setting"),
    ],
)
def test_a_bad_durability_setting_is_invalid(url: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        create_db_engine(url)


def test_the_pool_reuses_the_connection_returned_last(backend_name: str, tmp_path: Path) -> None:
    url = (
        f"sqlite:///{tmp_path / 'lifo.db'}" if backend_name == "sqlite" else admin_url(backend_name)
    )
    engine = create_db_engine(url, pool_size=3)
    try:
        _check_lifo(engine)
    finally:
        engine.dispose()


def _check_lifo(engine: Engine) -> None:
    first, second = engine.raw_connection(), engine.raw_connection()
    last_returned = second.dbapi_connection
    first.close()
    second.close()  # returned last: a LIFO pool hands it out next

    again = engine.raw_connection()
    try:
        assert again.dbapi_connection is last_returned
    finally:
        again.close()


def test_an_in_memory_database_has_no_file_settings() -> None:
    engine = create_db_engine("sqlite://")
    try:
        with engine.connect() as conn:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "memory"
            assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_reads_run_without_a_transaction_and_writes_within_one() -> None:
    """A read-only request on PostgreSQL skips BEGIN/COMMIT (each statement is its
    own transaction, as READ COMMITTED reads anyway); a write request, run next on
    the same pooled connection, is one transaction again."""
    engine = create_db_engine(admin_url("postgres"), pool_size=1)

    def transaction_starts(conn: Connection) -> list[object]:
        starts = []
        for _ in range(2):
            starts.append(conn.exec_driver_sql("SELECT transaction_timestamp()").scalar_one())
            conn.exec_driver_sql("SELECT pg_sleep(0.01)")
        return starts

    try:
        read = run_in_transaction(engine, transaction_starts, read_only=True)
        write = run_in_transaction(engine, transaction_starts)
        read_again = run_in_transaction(engine, transaction_starts, read_only=True)
    finally:
        engine.dispose()
    assert read[0] != read[1]
    assert write[0] == write[1]
    assert read_again[0] != read_again[1]
