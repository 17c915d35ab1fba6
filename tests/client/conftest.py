"""Clients for the client tests: the same tests run over gRPC and embedded.

``client`` is parametrized over the transport (``grpc``: a real in-process server,
``create_server(Service(db_url))``; ``embedded``: ``connect(db_url)``) and, through
the root conftest's ``db_url``, over every database backend configured.
``calls`` records the methods a client sends, to check atomicity and batching.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import mdstore_client
from mdstore_client import RetryPolicy
from mdstore_client.client import Client

# Tests must not wait seconds for a retry.
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05)


class RecordingTransport:
    """Wraps a transport and records (method, request) of every call."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.target = inner.target
        self.calls: list[tuple[str, Any]] = []

    def call(self, method: str, request: Any) -> Any:
        copy = type(request)()
        copy.CopyFrom(request)  # the client reuses request objects between pages
        self.calls.append((method, copy))
        return self.inner.call(method, request)

    def close(self) -> None:
        self.inner.close()

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]

    def writes(self) -> list[str]:
        return [m for m in self.methods() if m.startswith("Put")]

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def serve() -> Iterator[Callable[[Any], int]]:
    """Starts an in-process server on a backend-like object; returns its port."""
    from mdstore.server.app import create_server

    servers = []

    def start(backend: Any) -> int:
        server, port = create_server(backend, "127.0.0.1:0", max_workers=8)
        server.start()
        servers.append(server)
        return port

    yield start
    for server in servers:
        server.stop(None).wait()


@pytest.fixture(params=["grpc", "embedded"])
def client(
    request: pytest.FixtureRequest, db_url: str, serve: Callable[[Any], int]
) -> Iterator[Client]:
    """A client on an empty, migrated database, over gRPC or embedded."""
    backend = None
    if request.param == "embedded":
        made = mdstore_client.connect(db_url)
    else:
        from mdstore.service.dispatch import Service

        backend = Service(db_url, pool_size=2)
        made = mdstore_client.connect(f"127.0.0.1:{serve(backend)}", timeout=20, retry=FAST_RETRY)
    made.transport = RecordingTransport(made.transport)
    yield made
    made.close()
    if backend is not None:
        backend.close()


@pytest.fixture
def calls(client: Client) -> RecordingTransport:
    """The recording transport of ``client``."""
    transport = client.transport
    assert isinstance(transport, RecordingTransport)
    return transport


@pytest.fixture
def declared(client: Client) -> Client:
    """``client`` with Dataset, Model and Metrics artifact types declared."""
    client.artifact_type("Dataset", properties={"rows": int, "split": str})
    client.artifact_type("Model", properties={"auc": float, "framework": str})
    client.artifact_type("Metrics", properties={"accuracy": float, "details": dict})
    return client
