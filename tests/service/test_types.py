"""Types: Put*Type upsert and evolution, versions, base types, external ids, lookups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mdstore.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from mdstore.wire import mlmd
from tests.helpers.types import INT, STRING


@dataclass(frozen=True)
class Kind:
    """The ``MetadataStore`` methods for one kind of type."""

    message: Any
    put: str
    get: str
    get_all: str
    by_id: str
    by_external_ids: str
    request_field: str  # field of PutTypesRequest / PutTypesResponse stem


KINDS = {
    "artifact": Kind(
        mlmd.ArtifactType, "put_artifact_type", "get_artifact_type", "get_artifact_types",
        "get_artifact_types_by_id", "get_artifact_types_by_external_ids", "artifact_type",
    ),
    "execution": Kind(
        mlmd.ExecutionType, "put_execution_type", "get_execution_type", "get_execution_types",
        "get_execution_types_by_id", "get_execution_types_by_external_ids", "execution_type",
    ),
    "context": Kind(
        mlmd.ContextType, "put_context_type", "get_context_type", "get_context_types",
        "get_context_types_by_id", "get_context_types_by_external_ids", "context_type",
    ),
}  # fmt: skip


@pytest.fixture(params=sorted(KINDS))
def kind(request: pytest.FixtureRequest) -> Kind:
    return KINDS[request.param]


def _type(kind: Kind, name: str, **properties: int) -> Any:
    message = kind.message(name=name)
    for key, value in properties.items():
        message.properties[key] = value
    return message


def _props(stored: Any) -> dict[str, int]:
    return dict(stored.properties)


def test_put_type_inserts_then_returns_the_same_id(store: Any, kind: Kind) -> None:
    put = getattr(store, kind.put)
    type_id = put(_type(kind, "T", p=INT))

    assert type_id > 0
    assert put(_type(kind, "T", p=INT)) == type_id
    stored = getattr(store, kind.get)("T")
    assert stored.id == type_id
    assert stored.name == "T"
    assert _props(stored) == {"p": INT}
    assert [t.id for t in getattr(store, kind.get_all)()] == [type_id]


def test_new_property_needs_can_add_fields(store: Any, kind: Kind) -> None:
    put = getattr(store, kind.put)
    type_id = put(_type(kind, "T", p=INT))

    with pytest.raises(AlreadyExistsError):
        put(_type(kind, "T", p=INT, q=STRING))
    assert _props(getattr(store, kind.get)("T")) == {"p": INT}

    assert put(_type(kind, "T", p=INT, q=STRING), can_add_fields=True) == type_id
    assert _props(getattr(store, kind.get)("T")) == {"p": INT, "q": STRING}


def test_omitted_property_needs_can_omit_fields_and_is_kept(store: Any, kind: Kind) -> None:
    put = getattr(store, kind.put)
    type_id = put(_type(kind, "T", p=INT, q=STRING))

    with pytest.raises(AlreadyExistsError):
        put(_type(kind, "T", p=INT))

    assert put(_type(kind, "T", p=INT), can_omit_fields=True) == type_id
    assert _props(getattr(store, kind.get)("T")) == {"p": INT, "q": STRING}


def test_add_and_omit_together(store: Any, kind: Kind) -> None:
    put = getattr(store, kind.put)
    type_id = put(_type(kind, "T", p=INT))

    assert put(_type(kind, "T", q=STRING), can_add_fields=True, can_omit_fields=True) == type_id
    assert _props(getattr(store, kind.get)("T")) == {"p": INT, "q": STRING}


def test_changing_a_property_value_type_is_refused(store: Any, kind: Kind) -> None:
    put = getattr(store, kind.put)
    put(_type(kind, "T", p=INT))

    with pytest.raises(AlreadyExistsError):
        put(_type(kind, "T", p=STRING), can_add_fields=True, can_omit_fields=True)
    assert _props(getattr(store, kind.get)("T")) == {"p": INT}


def test_versions_are_distinct_types(store: Any, kind: Kind) -> None:
    put, get = getattr(store, kind.put), getattr(store, kind.get)
    plain = put(kind.message(name="T"))
    v1 = put(kind.message(name="T", version="v1"))
    v2 = put(kind.message(name="T", version="v2"))

    assert len({plain, v1, v2}) == 3
    assert put(kind.message(name="T", version="v1")) == v1
    assert get("T").id == plain
    assert not get("T").version
    assert get("T", "v1").id == v1
    assert get("T", "v1").version == "v1"
    assert get("T", type_version="v2").id == v2
    with pytest.raises(NotFoundError):
        get("T", "v3")
    assert {(t.name, t.version) for t in getattr(store, kind.get_all)()} == {
        ("T", ""), ("T", "v1"), ("T", "v2"),
    }  # fmt: skip


def test_empty_version_is_no_version(store: Any, kind: Kind) -> None:
    put = getattr(store, kind.put)
    assert put(kind.message(name="T", version="")) == put(kind.message(name="T"))


def test_missing_type_is_not_found(store: Any, kind: Kind) -> None:
    # The message names the type, over gRPC too (the status details carry it).
    with pytest.raises(NotFoundError, match="'nope'"):
        getattr(store, kind.get)("nope")


def test_a_type_of_another_kind_is_not_found(store: Any) -> None:
    store.put_artifact_type(mlmd.ArtifactType(name="OnlyAnArtifactType"))

    with pytest.raises(NotFoundError):
        store.get_execution_type("OnlyAnArtifactType")
    with pytest.raises(NotFoundError):
        store.get_context_type("OnlyAnArtifactType")


def test_same_name_in_different_kinds_are_different_types(store: Any) -> None:
    a = store.put_artifact_type(mlmd.ArtifactType(name="Same"))
    e = store.put_execution_type(mlmd.ExecutionType(name="Same"))
    c = store.put_context_type(mlmd.ContextType(name="Same"))

    assert len({a, e, c}) == 3
    assert [t.id for t in store.get_artifact_types()] == [a]
    assert [t.id for t in store.get_execution_types()] == [e]
    assert [t.id for t in store.get_context_types()] == [c]


def test_get_types_by_id_returns_the_found_ones_of_that_kind(store: Any) -> None:
    a1 = store.put_artifact_type(mlmd.ArtifactType(name="A1"))
    a2 = store.put_artifact_type(mlmd.ArtifactType(name="A2"))
    e = store.put_execution_type(mlmd.ExecutionType(name="E"))
    c = store.put_context_type(mlmd.ContextType(name="C"))
    missing = max(a1, a2, e, c) + 1000

    assert sorted(t.id for t in store.get_artifact_types_by_id([a1, a2, e, c, missing])) == [a1, a2]
    assert [t.id for t in store.get_execution_types_by_id([a1, e, missing])] == [e]
    assert [t.id for t in store.get_context_types_by_id([c, a2])] == [c]
    assert store.get_artifact_types_by_id([missing]) == []
    assert store.get_artifact_types_by_id([]) == []


def test_base_type_round_trips(store: Any) -> None:
    dataset = mlmd.ArtifactType(name="MyData", base_type=mlmd.ArtifactType.DATASET)
    run = mlmd.ExecutionType(name="MyTrain", base_type=mlmd.ExecutionType.TRAIN)
    type_id = store.put_artifact_type(dataset)
    exec_id = store.put_execution_type(run)

    assert store.get_artifact_type("MyData").base_type == mlmd.ArtifactType.DATASET
    assert store.get_execution_type("MyTrain").base_type == mlmd.ExecutionType.TRAIN
    assert store.get_artifact_types_by_id([type_id])[0].base_type == mlmd.ArtifactType.DATASET
    assert store.get_execution_types_by_id([exec_id])[0].base_type == mlmd.ExecutionType.TRAIN
    # Re-putting without base_type keeps it (MLMD never clears a stored base type).
    assert store.put_artifact_type(mlmd.ArtifactType(name="MyData")) == type_id
    assert store.get_artifact_type("MyData").base_type == mlmd.ArtifactType.DATASET


def test_description_and_external_id_round_trip(store: Any, kind: Kind) -> None:
    type_id = getattr(store, kind.put)(
        kind.message(name="T", description="what it is", external_id="ext-T")
    )

    stored = getattr(store, kind.get)("T")
    assert (stored.id, stored.description, stored.external_id) == (type_id, "what it is", "ext-T")


def test_get_types_by_external_ids(store: Any, kind: Kind) -> None:
    put = getattr(store, kind.put)
    t1 = put(kind.message(name="T1", external_id="x1"))
    t2 = put(kind.message(name="T2", external_id="x2"))
    put(kind.message(name="T3"))
    by_external_ids = getattr(store, kind.by_external_ids)

    assert sorted(t.id for t in by_external_ids(["x1", "x2", "nope"])) == sorted([t1, t2])
    assert [t.name for t in by_external_ids(["x2"])] == ["T2"]


def test_get_types_by_external_ids_none_found_is_not_found(store: Any, kind: Kind) -> None:
    getattr(store, kind.put)(kind.message(name="T1", external_id="x1"))

    with pytest.raises(NotFoundError):  # MLMD: "No types found for external_ids."
        getattr(store, kind.by_external_ids)(["nope"])


def test_duplicate_type_external_id_is_already_exists(store: Any, kind: Kind) -> None:
    # MLMD gives ALREADY_EXISTS within a kind too; across kinds it fails with INTERNAL.
    put = getattr(store, kind.put)
    put(kind.message(name="T1", external_id="shared"))

    with pytest.raises(AlreadyExistsError):
        put(kind.message(name="T2", external_id="shared"))
    with pytest.raises(NotFoundError):
        getattr(store, kind.get)("T2")


def test_type_without_name_is_invalid(store: Any, kind: Kind) -> None:
    with pytest.raises(InvalidArgumentError):
        getattr(store, kind.put)(kind.message())


def test_property_with_unknown_value_type_is_invalid(store: Any, kind: Kind) -> None:
    with pytest.raises(InvalidArgumentError):
        getattr(store, kind.put)(_type(kind, "T", p=0))
    with pytest.raises(NotFoundError):
        getattr(store, kind.get)("T")


def test_put_types_batches_all_kinds(caller: Any) -> None:
    request = mlmd.PutTypesRequest(
        artifact_types=[mlmd.ArtifactType(name="A"), mlmd.ArtifactType(name="B")],
        execution_types=[mlmd.ExecutionType(name="A")],
        context_types=[mlmd.ContextType(name="C")],
    )

    first = caller.call("PutTypes", request)
    again = caller.call("PutTypes", request)

    assert len(set(first.artifact_type_ids)) == 2
    assert len(first.execution_type_ids) == len(first.context_type_ids) == 1
    assert list(again.artifact_type_ids) == list(first.artifact_type_ids)
    assert list(again.execution_type_ids) == list(first.execution_type_ids)
    assert list(again.context_type_ids) == list(first.context_type_ids)
    got = caller.call("GetArtifactType", mlmd.GetArtifactTypeRequest(type_name="B"))
    assert got.artifact_type.id == first.artifact_type_ids[1]


def test_put_types_is_all_or_nothing(caller: Any) -> None:
    stored = mlmd.ArtifactType(name="A")
    caller.call("PutTypes", mlmd.PutTypesRequest(artifact_types=[stored]))
    evolved = mlmd.ArtifactType(name="A")
    evolved.properties["x"] = INT
    request = mlmd.PutTypesRequest(
        artifact_types=[mlmd.ArtifactType(name="New"), evolved],
        context_types=[mlmd.ContextType(name="NewToo")],
    )

    with pytest.raises(AlreadyExistsError):
        caller.call("PutTypes", request)
    with pytest.raises(NotFoundError):
        caller.call("GetArtifactType", mlmd.GetArtifactTypeRequest(type_name="New"))
    with pytest.raises(NotFoundError):
        caller.call("GetContextType", mlmd.GetContextTypeRequest(type_name="NewToo"))

    request.can_add_fields = True
    response = caller.call("PutTypes", request)
    got = caller.call("GetArtifactType", mlmd.GetArtifactTypeRequest(type_name="A"))
    assert got.artifact_type.id == response.artifact_type_ids[1]
    assert dict(got.artifact_type.properties) == {"x": INT}


def test_put_types_same_type_twice_in_one_request(caller: Any) -> None:
    request = mlmd.PutTypesRequest(
        artifact_types=[mlmd.ArtifactType(name="Z"), mlmd.ArtifactType(name="Z")]
    )

    response = caller.call("PutTypes", request)

    assert len(response.artifact_type_ids) == 2
    assert response.artifact_type_ids[0] == response.artifact_type_ids[1]


def test_type_external_id_is_scoped_per_kind(store: Any) -> None:
    # Divergence: MLMD has one external-id namespace for all types (and fails with
    # INTERNAL across kinds); mdstore keeps it unique within each kind of type.
    a = store.put_artifact_type(mlmd.ArtifactType(name="A", external_id="shared"))
    c = store.put_context_type(mlmd.ContextType(name="C", external_id="shared"))

    assert a != c
    assert [t.id for t in store.get_artifact_types_by_external_ids(["shared"])] == [a]
    assert [t.id for t in store.get_context_types_by_external_ids(["shared"])] == [c]


def test_upsert_updates_external_id_and_keeps_it_when_unset(store: Any, kind: Kind) -> None:
    put, get = getattr(store, kind.put), getattr(store, kind.get)
    type_id = put(kind.message(name="T", external_id="old"))

    assert put(kind.message(name="T", external_id="new")) == type_id
    assert get("T").external_id == "new"
    assert put(kind.message(name="T")) == type_id
    assert get("T").external_id == "new"
    assert getattr(store, kind.by_external_ids)(["new"])[0].id == type_id


def test_upsert_updates_description(store: Any, kind: Kind) -> None:
    # Divergence: MLMD silently ignores a new description for a stored type.
    put, get = getattr(store, kind.put), getattr(store, kind.get)
    type_id = put(kind.message(name="T", description="old"))

    assert put(kind.message(name="T", description="new")) == type_id
    assert get("T").description == "new"
    put(kind.message(name="T"))
    assert get("T").description == "new"


def test_upsert_changes_base_type(store: Any) -> None:
    # Divergence (undocumented as such): MLMD answers UNIMPLEMENTED ("base_type
    # update is not supported yet"); mdstore stores the new base type.
    type_id = store.put_artifact_type(
        mlmd.ArtifactType(name="D", base_type=mlmd.ArtifactType.DATASET)
    )

    changed = mlmd.ArtifactType(name="D", base_type=mlmd.ArtifactType.MODEL)
    assert store.put_artifact_type(changed) == type_id
    assert store.get_artifact_type("D").base_type == mlmd.ArtifactType.MODEL
