"""Fixtures shared across directories: the database backends, the service on them,
in-process servers, fresh databases, the ml-metadata venv.

``backend_name`` is parametrized over SQLite, MariaDB/MySQL and PostgreSQL, and
``db_url`` (a migrated, empty database) and ``service`` (the ``Service`` on it)
follow it. The server backends need ``MDSTORE_TEST_MYSQL_URL`` /
``MDSTORE_TEST_POSTGRES_URL``; when one is unset its tests are skipped with a
visible reason (tests/helpers/databases.py).

Speed (the MLflow ``cached_db`` pattern):

* SQLite: the schema is migrated once per session into a template file, and each
  test gets a copy of it.
* MariaDB/PostgreSQL: each pytest-xdist worker migrates its own database,
  ``mdstore_test_<run>_<worker>``, once per session, with one ``Service`` on it;
  after each test every row is deleted, so tests stay independent. The database is
  dropped at session end.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mdstore.embedded.store import MetadataStore
from mdstore.server.servicer import Dispatcher
from mdstore.service.dispatch import Service
from tests.compat import mlmd_venv
from tests.helpers.databases import (
    BACKENDS,
    ServerDatabases,
    admin_url,
    create_database,
    delete_all_rows,
    drop_database,
    migrate,
    worker_name,
)
from tests.helpers.grpc import RunningServer, Serve, start_server


def pytest_configure(config: pytest.Config) -> None:
    # Registered here rather than in pyproject.toml: a change there rebuilds the
    # ml-metadata venv of the compat tests (tests/compat/mlmd_venv.py).
    config.addinivalue_line(
        "markers",
        "embedded_only(reason): a contract test (tests/service) that cannot run over gRPC;"
        " it runs on the embedded path alone",
    )


@pytest.fixture(scope="session")
def _server_databases(pytestconfig: pytest.Config) -> Iterator[ServerDatabases]:
    databases = ServerDatabases(worker_name(pytestconfig))
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """The database backend of this test: "sqlite", "mysql" or "postgres"."""
    return str(request.param)


@pytest.fixture
def db_url(
    backend_name: str,
    tmp_path: Path,
    _sqlite_template: Path,
    _server_databases: ServerDatabases,
) -> Iterator[str]:
    """A URL of a migrated, empty database on ``backend_name``."""
    if backend_name == "sqlite":
        path = tmp_path / "mdstore.db"
        shutil.copyfile(_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = _server_databases.url(backend_name)
    yield url
    shared = _server_databases.shared_service(url)
    assert shared is not None
    delete_all_rows(shared.database.engine)


@pytest.fixture
def service(db_url: str, _server_databases: ServerDatabases) -> Iterator[Service]:
    """``mdstore.service.dispatch.Service`` on ``db_url`` (shared per worker on servers)."""
    shared = _server_databases.shared_service(db_url)
    if shared is not None:
        yield shared
        return
    instance = Service(db_url, pool_size=2)
    yield instance
    instance.close()


@pytest.fixture
def store(service: Service) -> MetadataStore:
    """The embedded ``mdstore.MetadataStore`` on ``service``.

    The contract suite (tests/service) overrides it: there the same store is reached
    through each access path in turn, embedded and over gRPC.
    """
    return MetadataStore(service)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(dispatcher) -> RunningServer``: an in-process server on any
    ``Dispatcher`` (the ``Service``, a fake); all are stopped after the test."""
    started: list[RunningServer] = []

    def start(dispatcher: Dispatcher) -> RunningServer:
        running = start_server(dispatcher)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close()


@pytest.fixture(scope="session")
def mlmd_python() -> Path:
    """The python of .venv-mlmd (ml-metadata 1.17.1, protobuf 4.25, mdstore editable),
    for the compat and example tests; skips when it cannot be built."""
    try:
        return mlmd_venv.ensure_venv()
    except mlmd_venv.VenvUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture
def fresh_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str, str], str]]:
    """Makes empty, unmigrated databases; ``make(backend_name, label) -> url``.

    SQLite gets a file in the test's tmp_path; MariaDB/PostgreSQL a database named
    ``mdstore_<label>_<worker>``, dropped when the test ends.
    """
    made: list[tuple[str, str]] = []

    def make(backend_name: str, label: str) -> str:
        if backend_name == "sqlite":
            return f"sqlite:///{tmp_path / f'{label}.db'}"
        admin = admin_url(backend_name)
        name = f"mdstore_{label}_{worker_name(request.config)}"
        url = create_database(admin, name)
        made.append((admin, name))
        return url

    yield make
    for admin, name in made:
        drop_database(admin, name)
