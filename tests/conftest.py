"""Database backends for every test that needs a store.

``db_url`` is parametrized over SQLite, MariaDB/MySQL and PostgreSQL. The server
backends come from ``MDSTORE_TEST_MYSQL_URL`` / ``MDSTORE_TEST_POSTGRES_URL`` (an
admin URL: the tests create and drop their own databases through it); when a
variable is unset, those tests are skipped with a visible reason.

Speed (the MLflow ``cached_db`` pattern):

* SQLite: the schema is migrated once per session into a template file, and each
  test gets a copy of it.
* MariaDB/PostgreSQL: each pytest-xdist worker migrates its own database,
  ``mdstore_test_<run>_<worker>``, once per session; after each test every row is
  deleted, so tests stay independent. The database is dropped at session end.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from mdstore.service.dispatch import Service
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.migrate import upgrade
from mdstore.store.db.schema import metadata

BACKEND_ENV = {"mysql": "MDSTORE_TEST_MYSQL_URL", "postgres": "MDSTORE_TEST_POSTGRES_URL"}

BACKENDS = [
    "sqlite",
    pytest.param("mysql", marks=pytest.mark.mysql),
    pytest.param("postgres", marks=pytest.mark.postgres),
]
SERVER_BACKENDS = [
    pytest.param("mysql", marks=pytest.mark.mysql),
    pytest.param("postgres", marks=pytest.mark.postgres),
]


def admin_url(backend: str) -> str:
    """The admin URL of a server backend; skips the test when it is not configured."""
    url = os.environ.get(BACKEND_ENV[backend])
    if not url:
        pytest.skip(f"{BACKEND_ENV[backend]} is not set: {backend} tests skipped")
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


def _migrate(url: str) -> None:
    engine = create_db_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


class _ServerDatabases:
    """One migrated database per server backend for this worker, made on first use.

    Each has one ``Service`` shared by all the worker's tests (connecting to MariaDB
    costs ~0.1 s, far more than a test), and is dropped at the end of the session.
    """

    def __init__(self, worker: str) -> None:
        self.name = f"mdstore_test_{worker}"
        self.admin: dict[str, str] = {}  # backend name -> admin URL
        self.urls: dict[str, str] = {}  # backend name -> URL of the test database
        self.backends: dict[str, Service] = {}  # URL -> its shared Service

    def get(self, backend: str) -> str:
        if backend not in self.urls:
            admin = admin_url(backend)
            url = create_database(admin, self.name)
            _migrate(url)
            self.admin[backend], self.urls[backend] = admin, url
            self.backends[url] = Service(url, create_if_empty=False, pool_size=2)
        return self.urls[backend]

    def shared_backend(self, url: str) -> Service | None:
        return self.backends.get(url)

    def close(self) -> None:
        for backend in self.backends.values():
            backend.close()
        for admin in self.admin.values():
            drop_database(admin, self.name)


def _worker(config: pytest.Config) -> str:
    """A name for this test process, unique among concurrent pytest runs.

    The pytest-xdist run id (shared by the workers of one run) plus the worker id,
    or the process id without xdist: two runs on one machine never share a database.
    """
    workerinput = getattr(config, "workerinput", None)
    if workerinput:
        return f"{str(workerinput['testrunuid'])[:8]}_{workerinput['workerid']}"
    return f"p{os.getpid()}"


@pytest.fixture(scope="session")
def _server_databases(pytestconfig: pytest.Config) -> Iterator[_ServerDatabases]:
    databases = _ServerDatabases(_worker(pytestconfig))
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _migrate(f"sqlite:///{path}")
    return path


def delete_all_rows(engine: Engine) -> None:
    """Empties every mdstore table, children first (the schema version stays)."""
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    _sqlite_template: Path,
    _server_databases: _ServerDatabases,
) -> Iterator[str]:
    """A URL of a migrated, empty database, on each backend in turn."""
    name = request.param
    if name == "sqlite":
        path = tmp_path / "mdstore.db"
        shutil.copyfile(_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = _server_databases.get(name)
    yield url
    shared = _server_databases.shared_backend(url)
    assert shared is not None
    delete_all_rows(shared.database.engine)


@pytest.fixture
def backend(db_url: str, _server_databases: _ServerDatabases) -> Iterator[Service]:
    """``mdstore.store.backend.Service`` on ``db_url`` (shared per worker on servers)."""
    shared = _server_databases.shared_backend(db_url)
    if shared is not None:
        yield shared
        return
    instance = Service(db_url, pool_size=2)
    yield instance
    instance.close()


@pytest.fixture
def store(backend: Service) -> Any:
    """The embedded ``mdstore.MetadataStore`` on ``db_url``, sharing ``backend``."""
    import mdstore

    return mdstore.MetadataStore(backend)


@pytest.fixture
def fresh_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str, str], str]]:
    """Makes empty, unmigrated databases; ``make(backend, label) -> url``.

    SQLite gets a file in the test's tmp_path; MariaDB/PostgreSQL a database named
    ``mdstore_<label>_<worker>``, dropped when the test ends.
    """
    made: list[tuple[str, str]] = []

    def make(backend: str, label: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'{label}.db'}"
        admin = admin_url(backend)
        name = f"mdstore_{label}_{_worker(request.config)}"
        url = create_database(admin, name)
        made.append((admin, name))
        return url

    yield make
    for admin, name in made:
        drop_database(admin, name)
