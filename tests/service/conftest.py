"""The contract suite: every test runs through each access path, on each backend.

``store`` is an ``mdstore.MetadataStore`` and ``caller`` the ``Caller`` behind it
(what runs a method by name: ``caller.call("PutTypes", request)``), reached

* ``embedded``: ``MetadataStore(service)``, the ``Service`` in this process;
* ``grpc``: ``MetadataStore(GrpcTransport(...))`` to an in-process server made with
  ``create_server(service)`` on the same ``service``, one server per test.

Over gRPC errors come back as the same ``mdstore.errors`` classes (the transport
maps status codes), so ``pytest.raises(NotFoundError)`` checks the status mapping
too. Tests may read the database directly through ``service.database.engine``
(``count_rows``): the server runs on that same ``Service``.

A test that cannot cross the wire by its nature is marked
``@pytest.mark.embedded_only("why")`` and runs on the embedded path alone (its ids
show it). ``db_url`` (tests/conftest.py) runs each test on every backend.

Expected behaviour follows ml-metadata 1.17.1, checked against its in-process fake
database, except for the documented divergences in docs/compatibility.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mdstore.embedded.base import Caller
from mdstore.embedded.store import MetadataStore
from mdstore.service.dispatch import Service
from mdstore_client import GrpcTransport, RetryPolicy
from tests.helpers import databases
from tests.helpers.grpc import start_server
from tests.helpers.types import Types, put_types

ACCESS_PATHS = ("embedded", "grpc")

# The embedded path retries nothing on the client side, so neither does gRPC here:
# both must show the same errors. Deadlines are generous for loaded CI machines.
NO_RETRY = RetryPolicy(max_attempts=1)
TIMEOUT_SECONDS = 120.0


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrizes ``access`` over the access paths (embedded-only tests: one)."""
    if "access" not in metafunc.fixturenames:
        return
    embedded_only = metafunc.definition.get_closest_marker("embedded_only")
    paths = ACCESS_PATHS[:1] if embedded_only else ACCESS_PATHS
    metafunc.parametrize("access", paths, scope="function")


@pytest.fixture
def caller(access: str, service: Service) -> Iterator[Caller]:
    """The ``Caller`` ``store`` sends through: ``service``, or a gRPC transport to an
    in-process server on ``service``."""
    if access == "embedded":
        yield service
        return
    running = start_server(service, max_workers=4)
    transport = GrpcTransport(running.target, timeout=TIMEOUT_SECONDS, retry=NO_RETRY)
    try:
        yield transport
    finally:
        transport.close()
        running.close()


@pytest.fixture
def store(caller: Caller) -> MetadataStore:
    """``mdstore.MetadataStore`` on ``caller``: the API under test, on either path."""
    return MetadataStore(caller)


@pytest.fixture
def types(store: MetadataStore) -> Types:
    """The contract suite's types (tests/helpers/types.py), put through ``store``."""
    return put_types(store)


@pytest.fixture
def count_rows(service: Service) -> Callable[[str], int]:
    """``count_rows(table_name)``: rows in one table, read straight from the database."""
    return lambda table_name: databases.count_rows(service.database.engine, table_name)


@pytest.fixture
def table_counts(service: Service) -> Callable[[], dict[str, int]]:
    """``table_counts()``: rows per table, for "nothing was stored" assertions."""
    return lambda: databases.table_counts(service.database.engine)
