"""Reading types back: every field as written, on every backend.

Types are read with one joined type/property statement (mdstore/store/records/types.py): by id
and by name on the driver's cursor, the whole-table and external-id reads through
SQLAlchemy. These tests pin what each read returns, field by field, including the
rows the join makes awkward: types without properties, ids of another kind or of
no type, and id lists split into chunks.
"""

from __future__ import annotations

from typing import Any

import pytest

from mdstore.service.dispatch import Service
from mdstore.store import driver
from mdstore.wire import mlmd

INT, DOUBLE, STRING = 1, 2, 3

ARTIFACT = "Artifact"
EXECUTION = "Execution"
CONTEXT = "Context"


def _artifact_type() -> Any:
    """Every artifact type field set; property names whose order differs by collation."""
    return mlmd.ArtifactType(
        name="Data",
        version="v1",
        description="rows",
        external_id="x-data",
        base_type=mlmd.ArtifactType.DATASET,
        properties={"zeta": INT, "Alpha": STRING, "b_10": DOUBLE, "b_2": INT},
    )


def _execution_type() -> Any:
    """An execution type with input and output struct types and a base type."""
    execution_type = mlmd.ExecutionType(
        name="Train", base_type=mlmd.ExecutionType.TRAIN, properties={"epochs": INT}
    )
    inputs = execution_type.input_type.dict.properties
    inputs["data"].simple.CopyFrom(_artifact_type())
    inputs["anything"].any.SetInParent()
    execution_type.output_type.union_type.candidates.add().none.SetInParent()
    return execution_type


def _put(service: Service, title: str, message: Any) -> int:
    request = getattr(mlmd, f"Put{title}TypeRequest")(**{f"{title.lower()}_type": message})
    response = service.call(f"Put{title}Type", request)
    return int(response.type_id)


def _by_id(service: Service, title: str, ids: list[int]) -> list[Any]:
    request = getattr(mlmd, f"Get{title}TypesByIDRequest")(type_ids=ids)
    response = service.call(f"Get{title}TypesByID", request)
    return list(getattr(response, f"{title.lower()}_types"))


def _stored(message: Any, type_id: int) -> Any:
    """``message`` as a read returns it: with its id."""
    expected = type(message)()
    expected.CopyFrom(message)
    expected.id = type_id
    return expected


@pytest.fixture
def stored(service: Service) -> dict[str, Any]:
    """Types of every kind, with and without properties; name -> expected message."""
    written = {
        "data": (ARTIFACT, _artifact_type()),
        "bare_artifact": (ARTIFACT, mlmd.ArtifactType(name="Bare")),
        "train": (EXECUTION, _execution_type()),
        "bare_execution": (EXECUTION, mlmd.ExecutionType(name="Bare", version="v2")),
        "run": (CONTEXT, mlmd.ContextType(name="Run", properties={"owner": STRING, "n": INT})),
        "bare_context": (CONTEXT, mlmd.ContextType(name="Bare", description="")),
    }
    return {
        name: _stored(message, _put(service, title, message))
        for name, (title, message) in written.items()
    }


def test_by_id_returns_the_found_types_of_that_kind_in_id_order(
    service: Service, stored: dict[str, Any]
) -> None:
    every_id = [t.id for t in stored.values()]
    missing = max(every_id) + 1000
    asked = [missing, *reversed(every_id), *every_id]  # unordered, repeated, one missing

    assert _by_id(service, ARTIFACT, asked) == [stored["data"], stored["bare_artifact"]]
    assert _by_id(service, EXECUTION, asked) == [stored["train"], stored["bare_execution"]]
    assert _by_id(service, CONTEXT, asked) == [stored["run"], stored["bare_context"]]


def test_by_id_of_missing_wrong_kind_or_no_ids_is_empty(
    service: Service, stored: dict[str, Any]
) -> None:
    missing = max(t.id for t in stored.values()) + 1000

    assert _by_id(service, ARTIFACT, [missing]) == []
    assert _by_id(service, ARTIFACT, [stored["train"].id, stored["run"].id]) == []
    assert _by_id(service, EXECUTION, []) == []


def test_a_type_without_properties_reads_back_without_properties(
    service: Service, stored: dict[str, Any]
) -> None:
    (bare,) = _by_id(service, ARTIFACT, [stored["bare_artifact"].id])

    assert dict(bare.properties) == {}
    assert not bare.HasField("version")
    assert not bare.HasField("description")
    assert not bare.HasField("external_id")
    assert not bare.HasField("base_type")


def test_fields_keep_their_presence(service: Service, stored: dict[str, Any]) -> None:
    (data,) = _by_id(service, ARTIFACT, [stored["data"].id])
    (train, bare_execution) = _by_id(
        service, EXECUTION, [stored["train"].id, stored["bare_execution"].id]
    )
    (bare_context,) = _by_id(service, CONTEXT, [stored["bare_context"].id])

    assert (data.version, data.description, data.external_id) == ("v1", "rows", "x-data")
    assert data.base_type == mlmd.ArtifactType.DATASET
    assert dict(data.properties) == {"zeta": INT, "Alpha": STRING, "b_10": DOUBLE, "b_2": INT}
    assert train.input_type == _execution_type().input_type
    assert train.output_type == _execution_type().output_type
    assert train.base_type == mlmd.ExecutionType.TRAIN
    assert not bare_execution.HasField("input_type")
    assert not bare_execution.HasField("output_type")
    assert bare_execution.version == "v2"
    assert bare_context.HasField("description")  # stored as "", which is not unset
    assert bare_context.description == ""


def test_an_empty_version_is_no_version(service: Service) -> None:
    type_id = _put(service, EXECUTION, mlmd.ExecutionType(name="E", version=""))

    (read,) = _by_id(service, EXECUTION, [type_id])
    assert not read.HasField("version")


def test_a_context_type_never_reads_back_a_base_type(service: Service) -> None:
    # Its enum has UNSET only; set or not, mdstore neither stores nor returns it.
    context_type = mlmd.ContextType(name="C", base_type=mlmd.ContextType.UNSET)
    type_id = _put(service, CONTEXT, context_type)

    (read,) = _by_id(service, CONTEXT, [type_id])
    assert not read.HasField("base_type")


def test_ids_split_into_chunks_give_the_same_types(
    service: Service, stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    every_id = sorted(t.id for t in stored.values())
    whole = _by_id(service, EXECUTION, every_id)

    monkeypatch.setattr(driver, "CHUNK", 1)
    assert _by_id(service, EXECUTION, every_id) == whole
    monkeypatch.setattr(driver, "CHUNK", 2)
    assert _by_id(service, EXECUTION, every_id) == whole


def test_more_ids_than_one_chunk(service: Service, stored: dict[str, Any]) -> None:
    missing = max(t.id for t in stored.values()) + 1
    asked = [*range(missing, missing + 2 * driver.CHUNK + 7), stored["run"].id]

    assert _by_id(service, CONTEXT, asked) == [stored["run"]]


def test_by_name_and_version(service: Service, stored: dict[str, Any]) -> None:
    def by_name(title: str, name: str, version: str = "") -> Any:
        request = getattr(mlmd, f"Get{title}TypeRequest")(type_name=name, type_version=version)
        return getattr(service.call(f"Get{title}Type", request), f"{title.lower()}_type")

    assert by_name(ARTIFACT, "Data", "v1") == stored["data"]
    assert by_name(ARTIFACT, "Bare") == stored["bare_artifact"]
    assert by_name(EXECUTION, "Train") == stored["train"]
    assert by_name(EXECUTION, "Bare", "v2") == stored["bare_execution"]
    assert by_name(CONTEXT, "Run") == stored["run"]


def test_whole_table_and_external_id_reads(service: Service, stored: dict[str, Any]) -> None:
    artifacts = service.call("GetArtifactTypes", mlmd.GetArtifactTypesRequest()).artifact_types
    contexts = service.call("GetContextTypes", mlmd.GetContextTypesRequest()).context_types
    by_external = service.call(
        "GetArtifactTypesByExternalIds",
        mlmd.GetArtifactTypesByExternalIdsRequest(external_ids=["x-data", "nope"]),
    ).artifact_types

    assert list(artifacts) == [stored["data"], stored["bare_artifact"]]
    assert list(contexts) == [stored["run"], stored["bare_context"]]
    assert list(by_external) == [stored["data"]]


def test_artifacts_by_id_populate_their_types(service: Service, stored: dict[str, Any]) -> None:
    artifact = mlmd.Artifact(type_id=stored["data"].id, uri="u")
    artifact_id = service.call(
        "PutArtifacts", mlmd.PutArtifactsRequest(artifacts=[artifact])
    ).artifact_ids[0]

    response = service.call(
        "GetArtifactsByID",
        mlmd.GetArtifactsByIDRequest(artifact_ids=[artifact_id], populate_artifact_types=True),
    )
    assert list(response.artifact_types) == [stored["data"]]
