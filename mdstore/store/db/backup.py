"""Backups as SQLite files, and restoring them into any of the three databases.

A backup is a SQLite database holding mdstore's tables at the source's schema
revision: a portable file that any SQLite reads. From SQLite it is taken with
SQLite's online backup (a consistent copy while the server keeps writing); from
MySQL/MariaDB and PostgreSQL by copying every table inside one repeatable-read
transaction, so the copy is one moment of the database.

``restore`` loads a backup into an empty database of any kind: the schema is
created at the backup's revision, the rows are copied in foreign-key order with
their ids, sequences are moved past them (PostgreSQL), and the schema is then
upgraded to this mdstore's head. The audit chain travels with the rows, so
``mdstore audit verify`` on the restored store checks the copy end to end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, func, insert, select, text
from sqlalchemy.engine import make_url

from mdstore.errors import FailedPreconditionError, InvalidArgumentError
from mdstore.store.db import schema
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.migrate import current_revision, upgrade

BATCH = 2000
Progress = Callable[[str, int], None]  # (table, rows copied so far)


@dataclass(frozen=True)
class Copied:
    """What a backup or restore copied: the schema revision and rows per table."""

    revision: str
    rows: dict[str, int]


def backup(url: str, path: Path, progress: Progress | None = None) -> Copied:
    """Writes a consistent backup of the mdstore database at ``url`` to ``path``.

    Raises:
        InvalidArgumentError: ``path`` exists already.
        FailedPreconditionError: the database holds no mdstore schema.
    """
    if path.exists():
        raise InvalidArgumentError(f"{path} exists; a backup never overwrites a file")
    engine = create_db_engine(url, pool_size=1)
    try:
        revision = current_revision(engine)
        if revision is None:
            raise FailedPreconditionError("the database holds no mdstore schema to back up")
        if engine.dialect.name == "sqlite":
            _sqlite_online_backup(make_url(url).database or "", path)
            return Copied(revision, _counts(path))
        target = _sqlite_engine(path)
        try:
            upgrade(target, revision)
            with engine.connect() as source, target.begin() as writing:
                _repeatable_read(source)
                with source.begin():
                    rows = _copy_tables(source, writing, progress)
        finally:
            target.dispose()
        return Copied(revision, rows)
    finally:
        engine.dispose()


def restore(path: Path, url: str, progress: Progress | None = None) -> Copied:
    """Loads the backup at ``path`` into the empty database at ``url``.

    Raises:
        InvalidArgumentError: ``path`` is not an mdstore backup.
        FailedPreconditionError: the target database already holds data.
    """
    if not path.is_file():
        raise InvalidArgumentError(f"no backup file at {path}")
    source = _sqlite_engine(path)
    try:
        revision = current_revision(source)
    except Exception as e:  # noqa: BLE001 - any failure to read it means not a backup
        raise InvalidArgumentError(f"{path} is not an mdstore backup: {e}") from e
    if revision is None:
        raise InvalidArgumentError(f"{path} is not an mdstore backup (no schema revision)")
    target = create_db_engine(url, pool_size=1)
    try:
        _require_empty(target)
        upgrade(target, revision)
        with source.connect() as reading, target.begin() as writing:
            rows = _copy_tables(reading, writing, progress)
            move_sequences(writing)
        upgrade(target)
        return Copied(revision, rows)
    finally:
        target.dispose()
        source.dispose()


def _sqlite_engine(path: Path) -> Engine:
    return create_db_engine(f"sqlite:///{path}", pool_size=1)


def _sqlite_online_backup(database: str, path: Path) -> None:
    with sqlite3.connect(database) as live, sqlite3.connect(path) as copy:
        live.backup(copy)  # all pages in one step: one consistent snapshot


def _repeatable_read(conn: Connection) -> None:
    conn.execution_options(isolation_level="REPEATABLE READ")


def _require_empty(engine: Engine) -> None:
    revision = current_revision(engine)
    if revision is None:
        return
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            if table.name == "audit_head":
                continue
            try:
                found = conn.execute(select(func.count()).select_from(table)).scalar_one()
            except Exception:  # noqa: BLE001 - a table this revision lacks is empty
                conn.rollback()
                continue
            if found:
                raise FailedPreconditionError(
                    f"the target database holds data (table {table.name}); restore into an "
                    "empty database"
                )


def _tables(conn: Connection) -> list[Table]:
    """The backup's tables in foreign-key order, as they are in that database."""
    reflected = MetaData()
    reflected.reflect(bind=conn)
    return [t for t in reflected.sorted_tables if t.name != "alembic_version"]


def _copy_tables(source: Connection, into: Connection, progress: Progress | None) -> dict[str, int]:
    """Copies every table of ``source`` into the same tables of ``into``; rows per table."""
    counts: dict[str, int] = {}
    for table in _tables(source):
        destination = Table(table.name, MetaData(), autoload_with=into)
        if table.name == "audit_head":
            into.execute(destination.delete())  # the migration's starting row
        copied = 0
        for rows in _batches(source, table):
            into.execute(insert(destination), rows)
            copied += len(rows)
            if progress is not None:
                progress(table.name, copied)
        counts[table.name] = copied
    return counts


def _batches(conn: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(select(table))
    for part in result.mappings().partitions(BATCH):
        yield [_plain(dict(row)) for row in part]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()}


def move_sequences(conn: Connection) -> None:
    """PostgreSQL: moves each id sequence past the ids copied in (MySQL and SQLite
    follow explicit ids on their own)."""
    if conn.dialect.name != "postgresql":
        return
    for table in schema.metadata.sorted_tables:
        id_column = table.c.get("id")
        if id_column is None or not id_column.autoincrement or table.name == "audit_head":
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def _counts(path: Path) -> dict[str, int]:
    """Rows per table of the backup at ``path``."""
    engine = _sqlite_engine(path)
    try:
        with engine.connect() as conn:
            return {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in _tables(conn)
            }
    finally:
        engine.dispose()
