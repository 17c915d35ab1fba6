"""Responses a handler assembles as bytes reach gRPC clients unchanged.

``Encoded`` responses (pages, nodes by id) skip the parse and re-serialization
in the servicer; ``Service.call`` still returns messages.
"""

from __future__ import annotations

from mdstore.service.dispatch import Service
from mdstore.wire import mlmd
from mdstore.wire.encoding import Encoded
from tests.helpers.grpc import Serve


def _artifacts(service: Service) -> list[int]:
    type_id = service.call(
        "PutArtifactType",
        mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType(name="t", properties={"n": 1})),
    ).type_id
    artifacts = [
        mlmd.Artifact(type_id=type_id, uri=f"u{i}", properties={"n": mlmd.Value(int_value=i)})
        for i in range(3)
    ]
    return list(
        service.call("PutArtifacts", mlmd.PutArtifactsRequest(artifacts=artifacts)).artifact_ids
    )


def test_service_call_parses_what_the_servicer_sends_as_bytes(service: Service) -> None:
    ids = _artifacts(service)
    request = mlmd.GetArtifactsByIDRequest(artifact_ids=ids)

    wire = service.call_wire("GetArtifactsByID", request)
    message = service.call("GetArtifactsByID", request)

    assert isinstance(wire, Encoded)
    assert wire.message_class is mlmd.GetArtifactsByIDResponse
    assert mlmd.GetArtifactsByIDResponse.FromString(wire.data) == message
    assert [a.id for a in message.artifacts] == ids
    assert [a.uri for a in message.artifacts] == ["u0", "u1", "u2"]


def test_grpc_clients_get_the_same_response_as_the_embedded_call(
    service: Service, serve: Serve
) -> None:
    ids = _artifacts(service)
    stub = serve(service).mlmd
    by_id = mlmd.GetArtifactsByIDRequest(artifact_ids=ids)
    page = mlmd.GetArtifactsRequest(options=mlmd.ListOperationOptions(max_result_size=2))

    assert stub.GetArtifactsByID(by_id) == service.call("GetArtifactsByID", by_id)
    first = stub.GetArtifacts(page)
    assert first == service.call("GetArtifacts", page)
    assert len(first.artifacts) == 2
    assert first.next_page_token
    # A message response (no bytes form) still goes through the serializer.
    types = mlmd.GetArtifactTypesRequest()
    assert stub.GetArtifactTypes(types) == service.call("GetArtifactTypes", types)
