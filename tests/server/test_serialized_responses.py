"""Responses a handler assembles as bytes reach gRPC clients unchanged.

``Encoded`` responses (pages, nodes by id) skip the parse and re-serialization
in the servicer; ``Service.call`` still returns messages.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from mdstore.server.app import create_server
from mdstore.service.dispatch import Service
from mdstore.wire import MLMD_SERVICE, mlmd
from mdstore.wire.encoding import Encoded


@pytest.fixture
def backend() -> Iterator[Service]:
    backend = Service("sqlite://")
    yield backend
    backend.close()


def _stub(channel: grpc.Channel, method: str) -> grpc.UnaryUnaryMultiCallable:
    return channel.unary_unary(
        f"/{MLMD_SERVICE}/{method}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=getattr(mlmd, f"{method}Response").FromString,
    )


def _artifacts(backend: Service) -> list[int]:
    type_id = backend.call(
        "PutArtifactType",
        mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType(name="t", properties={"n": 1})),
    ).type_id
    artifacts = [
        mlmd.Artifact(type_id=type_id, uri=f"u{i}", properties={"n": mlmd.Value(int_value=i)})
        for i in range(3)
    ]
    return list(
        backend.call("PutArtifacts", mlmd.PutArtifactsRequest(artifacts=artifacts)).artifact_ids
    )


def test_backend_call_parses_what_the_servicer_sends_as_bytes(backend: Service) -> None:
    ids = _artifacts(backend)
    request = mlmd.GetArtifactsByIDRequest(artifact_ids=ids)

    wire = backend.call_wire("GetArtifactsByID", request)
    message = backend.call("GetArtifactsByID", request)

    assert isinstance(wire, Encoded)
    assert wire.message_class is mlmd.GetArtifactsByIDResponse
    assert mlmd.GetArtifactsByIDResponse.FromString(wire.data) == message
    assert [a.id for a in message.artifacts] == ids
    assert [a.uri for a in message.artifacts] == ["u0", "u1", "u2"]


def test_grpc_clients_get_the_same_response_as_the_embedded_call(backend: Service) -> None:
    ids = _artifacts(backend)
    server, port = create_server(backend, "127.0.0.1:0", 2)
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            by_id = mlmd.GetArtifactsByIDRequest(artifact_ids=ids)
            page = mlmd.GetArtifactsRequest(options=mlmd.ListOperationOptions(max_result_size=2))
            assert _stub(channel, "GetArtifactsByID")(by_id) == backend.call(
                "GetArtifactsByID", by_id
            )
            first = _stub(channel, "GetArtifacts")(page)
            assert first == backend.call("GetArtifacts", page)
            assert len(first.artifacts) == 2
            assert first.next_page_token
            # A message response (no bytes form) still goes through the serializer.
            types = mlmd.GetArtifactTypesRequest()
            assert _stub(channel, "GetArtifactTypes")(types) == backend.call(
                "GetArtifactTypes", types
            )
    finally:
        server.stop(None).wait()
