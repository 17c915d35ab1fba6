"""create_server: health, reflection, message sizes, graceful stop, a taken port."""

from __future__ import annotations

import socket

import grpc
import pytest
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from mdstore.errors import UnavailableError
from mdstore.server.app import create_server
from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, mlmd
from tests.helpers.fakes import FakeDispatcher
from tests.helpers.grpc import RunningServer, Serve

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.mark.parametrize("service_name", ["", MLMD_SERVICE, MDSTORE_SERVICE])
def test_health_serving_then_not_serving_on_stop(running: RunningServer, service_name: str) -> None:
    health = health_pb2_grpc.HealthStub(running.channel)
    request = health_pb2.HealthCheckRequest(service=service_name)
    assert health.Check(request).status == SERVING
    running.server.stop(None).wait()
    # The port is closed now; ask the health servicer itself what it reports.
    assert running.server.health.Check(request, None).status == NOT_SERVING


def test_reflection_lists_and_describes_services(running: RunningServer) -> None:
    database = ProtoReflectionDescriptorDatabase(running.channel)
    services = set(database.get_services())
    assert {MLMD_SERVICE, MDSTORE_SERVICE, "grpc.health.v1.Health"} <= services
    pool = descriptor_pool.DescriptorPool(database)
    assert len(pool.FindServiceByName(MLMD_SERVICE).methods) == 52
    assert pool.FindServiceByName(MDSTORE_SERVICE).methods_by_name["GetServerInfo"]
    assert pool.FindMessageTypeByName("ml_metadata.Artifact").fields_by_name["uri"].number == 3
    assert pool.FindServiceByName("grpc.health.v1.Health").methods_by_name["Check"]


def test_large_messages_are_accepted(serve: Serve) -> None:
    fake = FakeDispatcher()
    running: RunningServer = serve(fake)
    big = mlmd.Artifact(type_id=1, uri="x" * (6 * 1024 * 1024))  # above gRPC's 4 MiB default
    running.mlmd.PutArtifacts(mlmd.PutArtifactsRequest(artifacts=[big]))
    [(_, request)] = fake.calls
    assert len(request.artifacts[0].uri) == 6 * 1024 * 1024


def test_graceful_stop_lets_in_flight_call_finish(serve: Serve) -> None:
    fake = FakeDispatcher(delay=1.0, response=mlmd.PutArtifactsResponse(artifact_ids=[42]))
    running: RunningServer = serve(fake)
    future = running.mlmd.PutArtifacts.future(mlmd.PutArtifactsRequest())
    assert fake.entered.wait(5)
    stopped = running.server.stop(grace=10)
    assert list(future.result(timeout=10).artifact_ids) == [42]
    assert stopped.wait(10)


def test_stop_cancels_calls_that_outlive_the_grace(serve: Serve) -> None:
    fake = FakeDispatcher(delay=3.0)
    running: RunningServer = serve(fake)
    future = running.mlmd.GetArtifacts.future(mlmd.GetArtifactsRequest())
    assert fake.entered.wait(5)
    running.server.stop(grace=0.1).wait(5)
    with pytest.raises(grpc.RpcError) as info:
        future.result(timeout=5)
    assert info.value.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)


def test_port_in_use_is_unavailable() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UnavailableError, match=f"127.0.0.1:{port}"):
            create_server(FakeDispatcher(), f"127.0.0.1:{port}")
