"""Nodes: PutArtifacts / PutExecutions / PutContexts create and update semantics."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from mdstore.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)
from mdstore.wire import mlmd
from tests.helpers.types import Types


@dataclass(frozen=True)
class NodeKind:
    """The ``MetadataStore`` methods for one kind of node."""

    name: str
    message: Any
    put: str
    by_id: str
    type_field: str  # attribute of the Types fixture
    type_name: str


NODE_KINDS = {
    "artifact": NodeKind(
        "artifact", mlmd.Artifact, "put_artifacts", "get_artifacts_by_id", "model", "Model"
    ),
    "execution": NodeKind(
        "execution", mlmd.Execution, "put_executions", "get_executions_by_id", "trainer", "Trainer"
    ),
    "context": NodeKind(
        "context", mlmd.Context, "put_contexts", "get_contexts_by_id", "pipeline", "Pipeline"
    ),
}


@pytest.fixture(params=sorted(NODE_KINDS))
def node_kind(request: pytest.FixtureRequest) -> NodeKind:
    return NODE_KINDS[request.param]


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def next_millisecond(after: int) -> None:
    """Waits until the wall clock has passed ``after`` (so a new timestamp differs)."""
    while now_ms() <= after:
        time.sleep(0.001)


def _node(kind: NodeKind, types: Types, name: str, **fields: Any) -> Any:
    return kind.message(type_id=getattr(types, kind.type_field), name=name, **fields)


def _get(store: Any, kind: NodeKind, node_id: int) -> Any:
    [node] = getattr(store, kind.by_id)([node_id])
    return node


def test_put_creates_nodes_in_request_order(store: Any, types: Types, node_kind: NodeKind) -> None:
    put = getattr(store, node_kind.put)
    nodes = [_node(node_kind, types, f"n{i}", external_id=f"x{i}") for i in range(3)]

    ids = put(nodes)

    assert len(ids) == 3
    assert len(set(ids)) == 3
    got = {n.id: n for n in getattr(store, node_kind.by_id)(ids)}
    for node_id, sent in zip(ids, nodes, strict=True):
        assert got[node_id].name == sent.name
        assert got[node_id].external_id == sent.external_id
        assert got[node_id].type_id == sent.type_id
        assert got[node_id].type == node_kind.type_name


def _without_times(message: Any) -> Any:
    copy = type(message)()
    copy.CopyFrom(message)
    copy.ClearField("create_time_since_epoch")
    copy.ClearField("last_update_time_since_epoch")
    return copy


def _every_field(kind: NodeKind, types: Types) -> Any:
    """A new node of ``kind`` with every field a client may set (but times)."""
    node = _node(kind, types, "full", external_id=f"ext-{kind.name}")
    node.custom_properties["rows"].double_value = 1.5
    node.custom_properties["tag"].string_value = "t"
    if kind.name == "artifact":
        node.type_id = types.dataset
        node.uri = "/data/full"
        node.state = mlmd.Artifact.LIVE
        node.properties["int_p"].int_value = 3
        node.properties["string_p"].string_value = "n"
    elif kind.name == "execution":
        node.last_known_state = mlmd.Execution.RUNNING
        node.properties["epochs"].int_value = 10
    return node


def test_a_stored_node_is_exactly_what_was_sent(
    store: Any, types: Types, node_kind: NodeKind
) -> None:
    sent = _every_field(node_kind, types)

    [node_id] = getattr(store, node_kind.put)([sent])

    stored = _get(store, node_kind, node_id)
    expected = _without_times(sent)
    expected.id = node_id
    expected.type = "Dataset" if node_kind.name == "artifact" else node_kind.type_name
    assert _without_times(stored) == expected
    assert stored.create_time_since_epoch > 0
    assert stored.last_update_time_since_epoch == stored.create_time_since_epoch


def test_put_with_no_nodes_is_a_no_op(store: Any, types: Types, node_kind: NodeKind) -> None:
    assert getattr(store, node_kind.put)([]) == []


def test_server_sets_millisecond_timestamps(store: Any, types: Types, node_kind: NodeKind) -> None:
    sent = _node(node_kind, types, "n", create_time_since_epoch=5, last_update_time_since_epoch=6)
    before = now_ms()

    [node_id] = getattr(store, node_kind.put)([sent])

    after = now_ms()
    got = _get(store, node_kind, node_id)
    assert before <= got.create_time_since_epoch <= after  # ms, not s or µs; client value ignored
    assert got.last_update_time_since_epoch == got.create_time_since_epoch


def test_update_keeps_create_time_and_moves_last_update_time(
    store: Any, types: Types, node_kind: NodeKind
) -> None:
    put = getattr(store, node_kind.put)
    [node_id] = put([_node(node_kind, types, "n")])
    created = _get(store, node_kind, node_id)
    next_millisecond(created.last_update_time_since_epoch)

    changed = _node(node_kind, types, "n", id=node_id)
    changed.custom_properties["note"].string_value = "changed"
    assert put([changed]) == [node_id]

    updated = _get(store, node_kind, node_id)
    assert updated.custom_properties["note"].string_value == "changed"
    assert updated.create_time_since_epoch == created.create_time_since_epoch
    assert updated.last_update_time_since_epoch > created.last_update_time_since_epoch


def test_mixed_create_and_update_in_one_batch(
    store: Any, types: Types, node_kind: NodeKind
) -> None:
    put = getattr(store, node_kind.put)
    [first] = put([_node(node_kind, types, "first")])
    update = _node(node_kind, types, "first", id=first, external_id="now-with-ext")

    ids = put([_node(node_kind, types, "second"), update])

    assert ids[1] == first
    assert ids[0] != first
    assert _get(store, node_kind, first).external_id == "now-with-ext"
    assert _get(store, node_kind, ids[0]).name == "second"


def test_update_without_mask_replaces_the_node(
    store: Any, types: Types, node_kind: NodeKind
) -> None:
    put = getattr(store, node_kind.put)
    node = _node(node_kind, types, "n", external_id="x")
    node.custom_properties["a"].int_value = 1
    node.custom_properties["b"].int_value = 2
    [node_id] = put([node])

    replacement = _node(node_kind, types, "n", id=node_id)
    replacement.custom_properties["b"].int_value = 20
    put([replacement])

    got = _get(store, node_kind, node_id)
    assert dict(got.custom_properties) == {"b": mlmd.Value(int_value=20)}
    assert not got.HasField("external_id")


def test_update_may_omit_type_id(store: Any, types: Types, node_kind: NodeKind) -> None:
    put = getattr(store, node_kind.put)
    [node_id] = put([_node(node_kind, types, "n")])
    update = node_kind.message(id=node_id, name="n")
    update.custom_properties["k"].string_value = "v"

    assert put([update]) == [node_id]

    got = _get(store, node_kind, node_id)
    assert got.type_id == getattr(types, node_kind.type_field)
    assert got.custom_properties["k"].string_value == "v"


def test_update_cannot_change_type(store: Any, types: Types, node_kind: NodeKind) -> None:
    other = {
        "artifact": lambda: store.put_artifact_type(mlmd.ArtifactType(name="Other")),
        "execution": lambda: store.put_execution_type(mlmd.ExecutionType(name="Other")),
        "context": lambda: store.put_context_type(mlmd.ContextType(name="Other")),
    }[node_kind.name]()
    put = getattr(store, node_kind.put)
    [node_id] = put([_node(node_kind, types, "n")])

    with pytest.raises(InvalidArgumentError):
        put([node_kind.message(id=node_id, type_id=other, name="n")])
    assert _get(store, node_kind, node_id).type_id == getattr(types, node_kind.type_field)


def test_name_is_unique_within_a_type(store: Any, types: Types, node_kind: NodeKind) -> None:
    put = getattr(store, node_kind.put)
    [node_id] = put([_node(node_kind, types, "dup")])

    with pytest.raises(AlreadyExistsError):
        put([_node(node_kind, types, "dup")])
    assert [n.id for n in getattr(store, f"get_{node_kind.name}s")()] == [node_id]


def test_same_name_in_another_type_is_fine(store: Any, types: Types) -> None:
    a, b = store.put_artifacts(
        [
            mlmd.Artifact(type_id=types.model, name="same"),
            mlmd.Artifact(type_id=types.dataset, name="same"),
        ]
    )
    assert a != b
    c, d = store.put_contexts(
        [
            mlmd.Context(type_id=types.pipeline, name="same"),
            mlmd.Context(type_id=types.run, name="same"),
        ]
    )
    assert c != d


def test_external_id_is_unique_across_types(store: Any, types: Types) -> None:
    store.put_artifacts([mlmd.Artifact(type_id=types.model, external_id="ext")])

    with pytest.raises(AlreadyExistsError):
        store.put_artifacts([mlmd.Artifact(type_id=types.dataset, external_id="ext")])
    assert len(store.get_artifacts()) == 1


def test_duplicate_name_within_one_batch_stores_nothing(
    store: Any, types: Types, node_kind: NodeKind
) -> None:
    put = getattr(store, node_kind.put)

    with pytest.raises(AlreadyExistsError):
        put([_node(node_kind, types, "twice"), _node(node_kind, types, "twice")])
    assert getattr(store, f"get_{node_kind.name}s")() == []


def test_context_needs_a_name(store: Any, types: Types) -> None:
    with pytest.raises(InvalidArgumentError):
        store.put_contexts([mlmd.Context(type_id=types.pipeline)])
    assert store.get_contexts() == []


def test_artifact_and_execution_names_are_optional(store: Any, types: Types) -> None:
    [a] = store.put_artifacts([mlmd.Artifact(type_id=types.model, uri="u")])
    [e] = store.put_executions([mlmd.Execution(type_id=types.trainer)])

    assert not store.get_artifacts_by_id([a])[0].HasField("name")
    assert not store.get_executions_by_id([e])[0].HasField("name")


def test_states_round_trip(store: Any, types: Types) -> None:
    [a] = store.put_artifacts([mlmd.Artifact(type_id=types.model, state=mlmd.Artifact.LIVE)])
    [e] = store.put_executions(
        [mlmd.Execution(type_id=types.trainer, last_known_state=mlmd.Execution.RUNNING)]
    )
    store.put_executions(
        [mlmd.Execution(id=e, type_id=types.trainer, last_known_state=mlmd.Execution.COMPLETE)]
    )

    assert store.get_artifacts_by_id([a])[0].state == mlmd.Artifact.LIVE
    assert store.get_executions_by_id([e])[0].last_known_state == mlmd.Execution.COMPLETE


# --- update_mask ------------------------------------------------------------------


@pytest.fixture
def stored_dataset(store: Any, types: Types) -> int:
    artifact = mlmd.Artifact(type_id=types.dataset, uri="u1", name="d", external_id="x")
    artifact.properties["int_p"].int_value = 1
    artifact.properties["string_p"].string_value = "one"
    artifact.custom_properties["c1"].string_value = "c-one"
    artifact.custom_properties["c2"].int_value = 2
    [artifact_id] = store.put_artifacts([artifact])
    return artifact_id


def _masked_update(types: Types, artifact_id: int) -> Any:
    update = mlmd.Artifact(id=artifact_id, type_id=types.dataset, uri="u2")
    update.properties["int_p"].int_value = 100
    update.custom_properties["c1"].string_value = "c-new"
    return update


def test_mask_on_one_property(store: Any, types: Types, stored_dataset: int) -> None:
    store.put_artifacts(
        [_masked_update(types, stored_dataset)], field_mask_paths=["properties.int_p"]
    )

    got = store.get_artifacts_by_id([stored_dataset])[0]
    assert got.properties["int_p"].int_value == 100
    assert got.properties["string_p"].string_value == "one"
    assert got.uri == "u1"
    assert got.custom_properties["c1"].string_value == "c-one"
    assert set(got.custom_properties) == {"c1", "c2"}


def test_mask_on_one_custom_property(store: Any, types: Types, stored_dataset: int) -> None:
    store.put_artifacts(
        [_masked_update(types, stored_dataset)], field_mask_paths=["custom_properties.c1"]
    )

    got = store.get_artifacts_by_id([stored_dataset])[0]
    assert got.custom_properties["c1"].string_value == "c-new"
    assert got.custom_properties["c2"].int_value == 2
    assert got.properties["int_p"].int_value == 1
    assert got.uri == "u1"


def test_mask_on_a_plain_field(store: Any, types: Types, stored_dataset: int) -> None:
    store.put_artifacts([_masked_update(types, stored_dataset)], field_mask_paths=["uri"])

    got = store.get_artifacts_by_id([stored_dataset])[0]
    assert got.uri == "u2"
    assert (got.name, got.external_id) == ("d", "x")
    assert got.properties["int_p"].int_value == 1
    assert got.custom_properties["c1"].string_value == "c-one"


def test_mask_naming_an_absent_property_deletes_it(
    store: Any, types: Types, stored_dataset: int
) -> None:
    update = mlmd.Artifact(id=stored_dataset, type_id=types.dataset)

    store.put_artifacts([update], field_mask_paths=["custom_properties.c2", "properties.string_p"])

    got = store.get_artifacts_by_id([stored_dataset])[0]
    assert set(got.custom_properties) == {"c1"}
    assert set(got.properties) == {"int_p"}
    assert got.uri == "u1"


def test_mask_with_several_paths(store: Any, types: Types, stored_dataset: int) -> None:
    store.put_artifacts(
        [_masked_update(types, stored_dataset)],
        field_mask_paths=["uri", "properties.int_p", "custom_properties.c1"],
    )

    got = store.get_artifacts_by_id([stored_dataset])[0]
    assert (got.uri, got.properties["int_p"].int_value) == ("u2", 100)
    assert got.custom_properties["c1"].string_value == "c-new"
    assert got.custom_properties["c2"].int_value == 2
    assert got.properties["string_p"].string_value == "one"


def test_mask_is_ignored_on_create(store: Any, types: Types) -> None:
    new = mlmd.Artifact(type_id=types.dataset, uri="u")
    new.custom_properties["c"].int_value = 1

    [artifact_id] = store.put_artifacts([new], field_mask_paths=["properties.int_p"])

    got = store.get_artifacts_by_id([artifact_id])[0]
    assert got.uri == "u"
    assert got.custom_properties["c"].int_value == 1


def test_mask_on_executions_and_contexts(store: Any, types: Types) -> None:
    execution = mlmd.Execution(type_id=types.trainer, name="e")
    execution.properties["epochs"].int_value = 1
    execution.custom_properties["keep"].int_value = 7
    [e] = store.put_executions([execution])
    context = mlmd.Context(type_id=types.pipeline, name="c")
    context.custom_properties["a"].string_value = "a"
    context.custom_properties["b"].string_value = "b"
    [c] = store.put_contexts([context])

    e_update = mlmd.Execution(id=e, type_id=types.trainer)
    e_update.properties["epochs"].int_value = 9
    store.put_executions([e_update], field_mask_paths=["properties.epochs"])
    c_update = mlmd.Context(id=c, type_id=types.pipeline, name="c")
    c_update.custom_properties["a"].string_value = "A"
    store.put_contexts([c_update], field_mask_paths=["custom_properties.a"])

    got_e = store.get_executions_by_id([e])[0]
    assert got_e.properties["epochs"].int_value == 9
    assert got_e.custom_properties["keep"].int_value == 7
    assert got_e.name == "e"
    got_c = store.get_contexts_by_id([c])[0]
    assert {k: v.string_value for k, v in got_c.custom_properties.items()} == {"a": "A", "b": "b"}


# --- abort_if_latest_updated_time_changed --------------------------------------------


def _put_with_abort(caller: Any, artifact: Any) -> Any:
    request = mlmd.PutArtifactsRequest(artifacts=[artifact])
    request.options.abort_if_latest_updated_time_changed = True
    return caller.call("PutArtifacts", request)


def test_abort_if_latest_updated_time_changed(
    store: Any, caller: Any, types: Types, stored_dataset: int
) -> None:
    read = store.get_artifacts_by_id([stored_dataset])[0]
    next_millisecond(read.last_update_time_since_epoch)
    concurrent = mlmd.Artifact()
    concurrent.CopyFrom(read)
    concurrent.uri = "written-by-someone-else"
    store.put_artifacts([concurrent])

    stale = mlmd.Artifact()
    stale.CopyFrom(read)
    stale.uri = "mine"
    with pytest.raises(FailedPreconditionError):
        _put_with_abort(caller, stale)
    assert store.get_artifacts_by_id([stored_dataset])[0].uri == "written-by-someone-else"

    fresh = store.get_artifacts_by_id([stored_dataset])[0]
    fresh.uri = "mine"
    assert list(_put_with_abort(caller, fresh).artifact_ids) == [stored_dataset]
    assert store.get_artifacts_by_id([stored_dataset])[0].uri == "mine"


def test_abort_option_with_unset_update_time_fails(
    store: Any, caller: Any, types: Types, stored_dataset: int
) -> None:
    update = store.get_artifacts_by_id([stored_dataset])[0]
    update.ClearField("last_update_time_since_epoch")
    update.uri = "mine"

    with pytest.raises(FailedPreconditionError):
        _put_with_abort(caller, update)
    assert store.get_artifacts_by_id([stored_dataset])[0].uri == "u1"


def test_abort_option_does_not_affect_new_artifacts(store: Any, caller: Any, types: Types) -> None:
    response = _put_with_abort(caller, mlmd.Artifact(type_id=types.model, uri="new"))

    [artifact_id] = response.artifact_ids
    assert store.get_artifacts_by_id([artifact_id])[0].uri == "new"


# --- renames (MLMD silently ignores a new artifact/execution name) -------------------


def test_context_rename(store: Any, types: Types) -> None:
    [c] = store.put_contexts([mlmd.Context(type_id=types.pipeline, name="old")])

    store.put_contexts([mlmd.Context(id=c, type_id=types.pipeline, name="new")])

    assert store.get_contexts_by_id([c])[0].name == "new"
    assert store.get_context_by_type_and_name("Pipeline", "new").id == c
    assert store.get_context_by_type_and_name("Pipeline", "old") is None


def test_update_of_missing_id_is_invalid_and_creates_nothing(
    store: Any, types: Types, node_kind: NodeKind, count_rows: Callable[[str], int]
) -> None:
    put = getattr(store, node_kind.put)
    [existing] = put([_node(node_kind, types, "n")])

    with pytest.raises(InvalidArgumentError, match=f"{existing + 1000}: no such"):
        put([_node(node_kind, types, "ghost", id=existing + 1000)])  # MLMD: "Cannot find ..."
    assert count_rows(node_kind.name) == 1
    assert getattr(store, node_kind.by_id)([existing + 1000]) == []


def test_unknown_type_id_is_not_found(store: Any, types: Types, node_kind: NodeKind) -> None:
    missing_type = max(vars(types).values()) + 1000

    with pytest.raises(NotFoundError, match=f"type with id {missing_type}"):
        getattr(store, node_kind.put)([node_kind.message(type_id=missing_type, name="n")])


def test_type_id_of_another_kind_is_not_found(store: Any, types: Types) -> None:
    with pytest.raises(NotFoundError):
        store.put_executions([mlmd.Execution(type_id=types.model)])
    with pytest.raises(NotFoundError):
        store.put_contexts([mlmd.Context(type_id=types.trainer, name="c")])
    with pytest.raises(NotFoundError):
        store.put_artifacts([mlmd.Artifact(type_id=types.pipeline)])


@pytest.mark.parametrize("kind_name", ["artifact", "execution"])
def test_artifact_and_execution_rename_is_stored(store: Any, types: Types, kind_name: str) -> None:
    # Divergence: MLMD silently keeps the old name; mdstore stores the new one.
    kind = NODE_KINDS[kind_name]
    put = getattr(store, kind.put)
    [node_id] = put([_node(kind, types, "old")])

    put([_node(kind, types, "new", id=node_id)])

    assert _get(store, kind, node_id).name == "new"
    by_name = getattr(store, f"get_{kind_name}_by_type_and_name")
    assert by_name(kind.type_name, "new").id == node_id
    assert by_name(kind.type_name, "old") is None


def test_update_without_name_keeps_the_name(store: Any, types: Types, node_kind: NodeKind) -> None:
    put = getattr(store, node_kind.put)
    [node_id] = put([_node(node_kind, types, "kept")])

    put([node_kind.message(id=node_id, type_id=getattr(types, node_kind.type_field))])

    assert _get(store, node_kind, node_id).name == "kept"


def test_rename_to_a_taken_name_is_already_exists(
    store: Any, types: Types, node_kind: NodeKind
) -> None:
    put = getattr(store, node_kind.put)
    first, second = put([_node(node_kind, types, "first"), _node(node_kind, types, "second")])

    with pytest.raises(AlreadyExistsError):
        put([_node(node_kind, types, "first", id=second)])
    assert _get(store, node_kind, second).name == "second"


def test_unchanged_update_keeps_last_update_time(
    store: Any, types: Types, node_kind: NodeKind
) -> None:
    # As in MLMD: writing back what is stored is not a change.
    put = getattr(store, node_kind.put)
    node = _node(node_kind, types, "n", external_id="x")
    node.custom_properties["k"].int_value = 1
    [node_id] = put([node])
    stored = _get(store, node_kind, node_id)
    next_millisecond(stored.last_update_time_since_epoch)

    assert put([stored]) == [node_id]

    again = _get(store, node_kind, node_id)
    assert again.last_update_time_since_epoch == stored.last_update_time_since_epoch
    assert again == stored
