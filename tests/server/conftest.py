"""An in-process mdstore server and real gRPC stubs for the server tests.

``stub`` is a stub with one callable per ``ml_metadata.MetadataStoreService``
method, built from the service descriptor (no hand-written method list), calling
a server on the shared ``backend`` fixture (SQLite, and MariaDB/PostgreSQL when
configured). ``serve_backend`` starts a server on any backend-like object, so
tests can inject fakes that implement the backend interface.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from mdstore.server.app import MdstoreServer, create_server
from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, mlmd, service_methods

INT, DOUBLE, STRING = (
    mlmd.PropertyType.values_by_name[name].number for name in ("INT", "DOUBLE", "STRING")
)

# Match the server's limit so large batches can be tested end to end.
CLIENT_OPTIONS = [
    ("grpc.max_receive_message_length", 256 * 1024 * 1024),
    ("grpc.max_send_message_length", 256 * 1024 * 1024),
]


class Stub:
    """One ``channel.unary_unary`` callable per method of ``service``."""

    def __init__(self, channel: grpc.Channel, service: str) -> None:
        self.methods: list[str] = []
        for name, request_class, response_class in service_methods(service):
            callable_ = channel.unary_unary(
                f"/{service}/{name}",
                request_serializer=request_class.SerializeToString,
                response_deserializer=response_class.FromString,
            )
            setattr(self, name, callable_)
            self.methods.append(name)

    def __getattr__(self, name: str) -> Any:  # tells type checkers methods are dynamic
        raise AttributeError(f"{name} is not a method of this service")


class RunningServer:
    """A started server plus a channel and stubs to talk to it."""

    def __init__(self, server: MdstoreServer, port: int) -> None:
        self.server = server
        self.port = port
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=CLIENT_OPTIONS)
        self.mlmd = Stub(self.channel, MLMD_SERVICE)
        self.v1 = Stub(self.channel, MDSTORE_SERVICE)

    def close(self) -> None:
        self.channel.close()
        self.server.stop(None).wait()


ServeBackend = Callable[[Any], RunningServer]


@pytest.fixture
def serve_backend() -> Iterator[ServeBackend]:
    """Starts a server on a backend-like object; all are stopped after the test."""
    started: list[RunningServer] = []

    def start(backend: Any) -> RunningServer:
        server, port = create_server(backend, "127.0.0.1:0", max_workers=8)
        server.start()
        running = RunningServer(server, port)
        started.append(running)
        return running

    yield start
    for running in started:
        running.close()


@pytest.fixture
def running(backend: Any, serve_backend: ServeBackend) -> RunningServer:
    """A server on the real Service over a migrated, empty database."""
    return serve_backend(backend)


@pytest.fixture
def stub(running: RunningServer) -> Stub:
    """The ``ml_metadata.MetadataStoreService`` stub of ``running``."""
    return running.mlmd


@dataclass(frozen=True)
class TypeIds:
    artifact: int  # "Dataset": version INT, note STRING
    execution: int  # "Trainer": lr DOUBLE
    context: int  # "Pipeline": owner STRING


@pytest.fixture
def types(stub: Stub) -> TypeIds:
    """One artifact, execution and context type, put through PutTypes."""
    response = stub.PutTypes(
        mlmd.PutTypesRequest(
            artifact_types=[
                mlmd.ArtifactType(name="Dataset", properties={"version": INT, "note": STRING})
            ],
            execution_types=[mlmd.ExecutionType(name="Trainer", properties={"lr": DOUBLE})],
            context_types=[mlmd.ContextType(name="Pipeline", properties={"owner": STRING})],
        )
    )
    return TypeIds(
        response.artifact_type_ids[0], response.execution_type_ids[0], response.context_type_ids[0]
    )


def status_of(method: Callable[[Any], Any], request: Any) -> tuple[grpc.StatusCode, str]:
    """Calls a stub method expecting failure; returns the status code and details."""
    with pytest.raises(grpc.RpcError) as info:
        method(request)
    error: Any = info.value
    return error.code(), error.details()


class FakeBackend:
    """Implements the backend interface the servicers use, without a database.

    ``call`` raises ``error`` when set, else waits ``delay`` seconds and returns
    ``response`` (default: the method's empty response message).
    """

    schema_version = "fake-revision"
    dialect = "fake"
    masked_url = "fake://"

    def __init__(
        self, error: BaseException | None = None, delay: float = 0.0, response: Any = None
    ) -> None:
        self.error = error
        self.delay = delay
        self.response = response
        self.calls: list[tuple[str, Any]] = []
        self.entered = threading.Event()
        self.finished = threading.Event()
        self._responses = {
            f"{service}/{name}": response
            for service in (MLMD_SERVICE, MDSTORE_SERVICE)
            for name, _, response in service_methods(service)
        }

    def call_wire(self, method: str, request: Any) -> Any:
        """Records the call by its bare method name; answers as configured."""
        self.calls.append((method.rsplit("/", 1)[-1], request))
        self.entered.set()
        try:
            if self.error is not None:
                raise self.error
            if self.delay:
                threading.Event().wait(self.delay)
            return self.response if self.response is not None else self._responses[method]()
        finally:
            self.finished.set()

    def close(self) -> None:
        pass
