"""In-process mdstore servers and real gRPC stubs.

``start_server(dispatcher)`` serves any object with ``call_wire`` (the ``Dispatcher``
protocol of mdstore.server.servicer: the real ``Service``, or a ``FakeDispatcher``)
on a free port; ``Stub`` has one callable per method of a service, built from its
descriptor (no hand-written method list).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest

from mdstore.server.app import MdstoreServer, create_server
from mdstore.server.servicer import Dispatcher
from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, service_methods

# Match the server's limit so large batches can be tested end to end.
CLIENT_OPTIONS = [
    ("grpc.max_receive_message_length", 256 * 1024 * 1024),
    ("grpc.max_send_message_length", 256 * 1024 * 1024),
]


class Stub:
    """One ``channel.unary_unary`` callable per method of ``service_name``."""

    def __init__(self, channel: grpc.Channel, service_name: str) -> None:
        self.methods: list[str] = []
        for name, request_class, response_class in service_methods(service_name):
            callable_ = channel.unary_unary(
                f"/{service_name}/{name}",
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
        self.target = f"127.0.0.1:{port}"
        self.channel = grpc.insecure_channel(self.target, options=CLIENT_OPTIONS)
        self.mlmd = Stub(self.channel, MLMD_SERVICE)
        self.v1 = Stub(self.channel, MDSTORE_SERVICE)

    def close(self) -> None:
        self.channel.close()
        self.server.stop(None).wait()


def start_server(dispatcher: Dispatcher, max_workers: int = 8) -> RunningServer:
    """Starts a server on ``dispatcher`` at 127.0.0.1 on a free port; close it after."""
    server, port = create_server(dispatcher, "127.0.0.1:0", max_workers=max_workers)
    server.start()
    return RunningServer(server, port)


Serve = Callable[[Dispatcher], RunningServer]
"""The ``serve`` fixture: ``serve(dispatcher) -> RunningServer``, stopped after the test."""


def status_of(method: Callable[[Any], Any], request: Any) -> tuple[grpc.StatusCode, str]:
    """Calls a stub method expecting failure; returns the status code and details."""
    with pytest.raises(grpc.RpcError) as info:
        method(request)
    error: Any = info.value
    return error.code(), error.details()
