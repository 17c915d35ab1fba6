"""Test databases: the backends, creating and dropping databases, counting rows.

The server backends come from ``MDSTORE_TEST_MYSQL_URL`` / ``MDSTORE_TEST_POSTGRES_URL``
(an admin URL: the tests create and drop their own databases through it); when a
variable is unset, ``admin_url`` skips the test with a visible reason.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine, create_engine, delete, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from mdstore.service.dispatch import Service
from mdstore.store.db import schema
from mdstore.store.db.audit_schema import GENESIS_HASH, HEAD_ID
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.migrate import upgrade

BACKEND_ENV = {"mysql": "MDSTORE_TEST_MYSQL_URL", "postgres": "MDSTORE_TEST_POSTGRES_URL"}

BACKENDS = [
    "sqlite",
    pytest.param("mysql", marks=pytest.mark.mysql),
    pytest.param("postgres", marks=pytest.mark.postgres),
]
"""Every backend name, marked for ``-m``; the params of the ``backend_name`` fixture."""

SERVER_BACKENDS = [
    pytest.param("mysql", marks=pytest.mark.mysql),
    pytest.param("postgres", marks=pytest.mark.postgres),
]
"""The backends that run as servers: ``parametrize("backend_name", SERVER_BACKENDS)``."""


def admin_url(backend_name: str) -> str:
    """The admin URL of a server backend; skips the test when it is not configured."""
    url = os.environ.get(BACKEND_ENV[backend_name])
    if not url:
        pytest.skip(f"{BACKEND_ENV[backend_name]} is not set: {backend_name} tests skipped")
    return url


def _admin_engine(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def create_database(admin: str, name: str) -> str:
    """(Re)creates the empty database ``name`` on admin's server; returns its URL."""
    engine = _admin_engine(admin)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
                conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    finally:
        engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def drop_database(admin: str, name: str) -> None:
    """Drops ``name`` on admin's server, closing other sessions (PostgreSQL)."""
    engine = _admin_engine(admin)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        engine.dispose()


def migrate(url: str) -> None:
    """Upgrades the database at ``url`` to the head revision."""
    engine = create_db_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def worker_name(config: pytest.Config) -> str:
    """A name for this test process, unique among concurrent pytest runs.

    The pytest-xdist run id (shared by the workers of one run) plus the worker id,
    or the process id without xdist: two runs on one machine never share a database.
    """
    workerinput = getattr(config, "workerinput", None)
    if workerinput:
        return f"{str(workerinput['testrunuid'])[:8]}_{workerinput['workerid']}"
    return f"p{os.getpid()}"


class ServerDatabases:
    """One migrated database per server backend for this worker, made on first use.

    Each has one ``Service`` shared by all the worker's tests (connecting to MariaDB
    costs ~0.1 s, far more than a test), and is dropped by ``close``.
    """

    def __init__(self, worker: str) -> None:
        self.name = f"mdstore_test_{worker}"
        self.admin: dict[str, str] = {}  # backend name -> admin URL
        self.urls: dict[str, str] = {}  # backend name -> URL of the test database
        self.services: dict[str, Service] = {}  # URL -> its shared Service

    def url(self, backend_name: str) -> str:
        """The URL of the worker's database on ``backend_name``, made on first use."""
        if backend_name not in self.urls:
            admin = admin_url(backend_name)
            url = create_database(admin, self.name)
            migrate(url)
            self.admin[backend_name], self.urls[backend_name] = admin, url
            self.services[url] = Service(url, create_if_empty=False, pool_size=2)
        return self.urls[backend_name]

    def shared_service(self, url: str) -> Service | None:
        """The shared ``Service`` on ``url``, if it is one of these databases."""
        return self.services.get(url)

    def close(self) -> None:
        for service in self.services.values():
            service.close()
        for admin in self.admin.values():
            drop_database(admin, self.name)


ALL_TABLES = [table.name for table in schema.metadata.sorted_tables]


def delete_all_rows(engine: Engine) -> None:
    """Empties every mdstore table, children first (the schema version stays), and
    points the audit log's head back at its start, as a new database has it."""
    with engine.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(delete(table))
        conn.execute(insert(schema.audit_head_table).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH))


def count_rows(engine: Engine, table_name: str) -> int:
    """Rows in one table, read straight from the database."""
    table = schema.metadata.tables[table_name]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, for "nothing was stored" assertions."""
    return {name: count_rows(engine, name) for name in ALL_TABLES}
