"""Type RPCs through the real stub: upsert rules, lookups, not-found statuses."""

from __future__ import annotations

import grpc

from mdstore.wire import mlmd
from tests.server.conftest import DOUBLE, INT, STRING, Stub, TypeIds, status_of


def _artifact_type(**properties: int) -> object:
    return mlmd.ArtifactType(name="Model", properties=properties)


def test_put_artifact_type(stub: Stub) -> None:
    first = stub.PutArtifactType(mlmd.PutArtifactTypeRequest(artifact_type=_artifact_type(v=INT)))
    again = stub.PutArtifactType(mlmd.PutArtifactTypeRequest(artifact_type=_artifact_type(v=INT)))
    assert first.type_id > 0
    assert again.type_id == first.type_id

    code, _ = status_of(
        stub.PutArtifactType, mlmd.PutArtifactTypeRequest(artifact_type=_artifact_type(v=STRING))
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS
    code, _ = status_of(
        stub.PutArtifactType,
        mlmd.PutArtifactTypeRequest(artifact_type=_artifact_type(v=INT, extra=DOUBLE)),
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS  # can_add_fields is false

    added = stub.PutArtifactType(
        mlmd.PutArtifactTypeRequest(
            artifact_type=_artifact_type(v=INT, extra=DOUBLE), can_add_fields=True
        )
    )
    assert added.type_id == first.type_id
    stored = stub.GetArtifactType(mlmd.GetArtifactTypeRequest(type_name="Model")).artifact_type
    assert dict(stored.properties) == {"v": INT, "extra": DOUBLE}

    code, _ = status_of(
        stub.PutArtifactType, mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType())
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT  # no name


def test_put_execution_type(stub: Stub) -> None:
    exec_type = mlmd.ExecutionType(name="Trainer", properties={"lr": DOUBLE, "steps": INT})
    type_id = stub.PutExecutionType(mlmd.PutExecutionTypeRequest(execution_type=exec_type)).type_id

    fewer = mlmd.ExecutionType(name="Trainer", properties={"lr": DOUBLE})
    code, _ = status_of(stub.PutExecutionType, mlmd.PutExecutionTypeRequest(execution_type=fewer))
    assert code == grpc.StatusCode.ALREADY_EXISTS  # can_omit_fields is false
    omitted = stub.PutExecutionType(
        mlmd.PutExecutionTypeRequest(execution_type=fewer, can_omit_fields=True)
    )
    assert omitted.type_id == type_id
    stored = stub.GetExecutionType(mlmd.GetExecutionTypeRequest(type_name="Trainer"))
    assert dict(stored.execution_type.properties) == {"lr": DOUBLE, "steps": INT}


def test_put_context_type(stub: Stub) -> None:
    ctx_type = mlmd.ContextType(name="Pipeline", properties={"owner": STRING})
    type_id = stub.PutContextType(mlmd.PutContextTypeRequest(context_type=ctx_type)).type_id
    stored = stub.GetContextTypesByID(mlmd.GetContextTypesByIDRequest(type_ids=[type_id]))
    assert [(t.id, t.name, dict(t.properties)) for t in stored.context_types] == [
        (type_id, "Pipeline", {"owner": STRING})
    ]


def test_put_types(stub: Stub) -> None:
    request = mlmd.PutTypesRequest(
        artifact_types=[mlmd.ArtifactType(name="A1"), mlmd.ArtifactType(name="A2")],
        execution_types=[mlmd.ExecutionType(name="E1")],
        context_types=[mlmd.ContextType(name="C1")],
    )
    first = stub.PutTypes(request)
    assert len(set(first.artifact_type_ids)) == 2
    assert len(first.execution_type_ids) == 1
    assert len(first.context_type_ids) == 1
    again = stub.PutTypes(request)
    assert list(again.artifact_type_ids) == list(first.artifact_type_ids)
    assert list(again.execution_type_ids) == list(first.execution_type_ids)
    assert list(again.context_type_ids) == list(first.context_type_ids)


def test_get_artifact_type(stub: Stub, types: TypeIds) -> None:
    found = stub.GetArtifactType(mlmd.GetArtifactTypeRequest(type_name="Dataset")).artifact_type
    assert found.id == types.artifact
    assert dict(found.properties) == {"version": INT, "note": STRING}

    code, _ = status_of(stub.GetArtifactType, mlmd.GetArtifactTypeRequest(type_name="Nope"))
    assert code == grpc.StatusCode.NOT_FOUND


def test_get_artifact_types_by_id(stub: Stub, types: TypeIds) -> None:
    response = stub.GetArtifactTypesByID(
        mlmd.GetArtifactTypesByIDRequest(type_ids=[types.artifact, 987654])
    )
    assert [t.name for t in response.artifact_types] == ["Dataset"]


def test_get_artifact_types(stub: Stub, types: TypeIds) -> None:
    stub.PutArtifactType(mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType(name="M")))
    response = stub.GetArtifactTypes(mlmd.GetArtifactTypesRequest())
    # Only artifact types, and (as in MLMD) none of MLMD's built-in "mlmd.*" types.
    assert sorted(t.name for t in response.artifact_types) == ["Dataset", "M"]


def test_get_execution_type(stub: Stub, types: TypeIds) -> None:
    found = stub.GetExecutionType(mlmd.GetExecutionTypeRequest(type_name="Trainer"))
    assert found.execution_type.id == types.execution
    assert dict(found.execution_type.properties) == {"lr": DOUBLE}

    code, _ = status_of(stub.GetExecutionType, mlmd.GetExecutionTypeRequest(type_name="Dataset"))
    assert code == grpc.StatusCode.NOT_FOUND  # an artifact type is not an execution type


def test_get_execution_types_by_id(stub: Stub, types: TypeIds) -> None:
    response = stub.GetExecutionTypesByID(
        mlmd.GetExecutionTypesByIDRequest(type_ids=[types.execution, types.artifact])
    )
    assert [t.id for t in response.execution_types] == [types.execution]


def test_get_execution_types(stub: Stub, types: TypeIds) -> None:
    response = stub.GetExecutionTypes(mlmd.GetExecutionTypesRequest())
    assert [t.name for t in response.execution_types] == ["Trainer"]


def test_get_context_type(stub: Stub, types: TypeIds) -> None:
    found = stub.GetContextType(mlmd.GetContextTypeRequest(type_name="Pipeline"))
    assert found.context_type.id == types.context
    assert dict(found.context_type.properties) == {"owner": STRING}

    code, _ = status_of(stub.GetContextType, mlmd.GetContextTypeRequest(type_name="Nope"))
    assert code == grpc.StatusCode.NOT_FOUND


def test_get_context_types_by_id(stub: Stub, types: TypeIds) -> None:
    response = stub.GetContextTypesByID(
        mlmd.GetContextTypesByIDRequest(type_ids=[types.context, 987654])
    )
    assert [t.name for t in response.context_types] == ["Pipeline"]


def test_get_context_types(stub: Stub, types: TypeIds) -> None:
    response = stub.GetContextTypes(mlmd.GetContextTypesRequest())
    assert [t.name for t in response.context_types] == ["Pipeline"]


def _put_types_with_external_ids(stub: Stub) -> None:
    stub.PutTypes(
        mlmd.PutTypesRequest(
            artifact_types=[mlmd.ArtifactType(name="A", external_id="ext-a")],
            execution_types=[mlmd.ExecutionType(name="E", external_id="ext-e")],
            context_types=[mlmd.ContextType(name="C", external_id="ext-c")],
        )
    )


def test_get_artifact_types_by_external_ids(stub: Stub) -> None:
    _put_types_with_external_ids(stub)
    response = stub.GetArtifactTypesByExternalIds(
        mlmd.GetArtifactTypesByExternalIdsRequest(external_ids=["ext-a", "missing"])
    )
    assert [(t.name, t.external_id) for t in response.artifact_types] == [("A", "ext-a")]
    code, _ = status_of(
        stub.GetArtifactTypesByExternalIds,
        mlmd.GetArtifactTypesByExternalIdsRequest(external_ids=["missing"]),
    )
    assert code == grpc.StatusCode.NOT_FOUND  # MLMD: none found is NOT_FOUND

    duplicate = mlmd.ArtifactType(name="A2", external_id="ext-a")
    code, _ = status_of(stub.PutArtifactType, mlmd.PutArtifactTypeRequest(artifact_type=duplicate))
    assert code == grpc.StatusCode.ALREADY_EXISTS


def test_get_execution_types_by_external_ids(stub: Stub) -> None:
    _put_types_with_external_ids(stub)
    response = stub.GetExecutionTypesByExternalIds(
        mlmd.GetExecutionTypesByExternalIdsRequest(external_ids=["ext-e", "ext-a"])
    )
    assert [t.name for t in response.execution_types] == ["E"]
    code, _ = status_of(
        stub.GetExecutionTypesByExternalIds,
        mlmd.GetExecutionTypesByExternalIdsRequest(external_ids=["missing"]),
    )
    assert code == grpc.StatusCode.NOT_FOUND


def test_get_context_types_by_external_ids(stub: Stub) -> None:
    _put_types_with_external_ids(stub)
    response = stub.GetContextTypesByExternalIds(
        mlmd.GetContextTypesByExternalIdsRequest(external_ids=["ext-c"])
    )
    assert [t.name for t in response.context_types] == ["C"]
    code, _ = status_of(
        stub.GetContextTypesByExternalIds,
        mlmd.GetContextTypesByExternalIdsRequest(external_ids=["missing"]),
    )
    assert code == grpc.StatusCode.NOT_FOUND
