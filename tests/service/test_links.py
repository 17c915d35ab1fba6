"""Events with paths, attributions and associations, parent contexts."""

from __future__ import annotations

from typing import Any

import pytest

from mdstore.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from mdstore.wire import mlmd
from tests.helpers.clock import now_ms
from tests.helpers.types import Types


@pytest.fixture
def graph(store: Any, types: Types) -> dict[str, int]:
    """Two artifacts, two executions and three contexts, unlinked."""
    a1, a2 = store.put_artifacts([mlmd.Artifact(type_id=types.model) for _ in range(2)])
    e1, e2 = store.put_executions([mlmd.Execution(type_id=types.trainer) for _ in range(2)])
    c1, c2, c3 = store.put_contexts(
        [mlmd.Context(type_id=types.pipeline, name=n) for n in ("c1", "c2", "c3")]
    )
    return {"a1": a1, "a2": a2, "e1": e1, "e2": e2, "c1": c1, "c2": c2, "c3": c3}


def _event(artifact_id: int, execution_id: int, kind: int, *steps: int | str) -> Any:
    event = mlmd.Event(artifact_id=artifact_id, execution_id=execution_id, type=kind)
    for step in steps:
        if isinstance(step, int):
            event.path.steps.add().index = step
        else:
            event.path.steps.add().key = step
    return event


# --- events -------------------------------------------------------------------------


def test_events_with_paths_round_trip(store: Any, graph: dict[str, int]) -> None:
    sent = [
        _event(graph["a1"], graph["e1"], mlmd.Event.INPUT, "examples", 0, "split", -3),
        _event(graph["a2"], graph["e1"], mlmd.Event.OUTPUT, "model"),
        _event(graph["a2"], graph["e2"], mlmd.Event.INPUT),
    ]
    before = now_ms()

    store.put_events(sent)

    after = now_ms()
    by_execution = store.get_events_by_execution_ids([graph["e1"]])
    assert len(by_execution) == 2
    got = {(e.artifact_id, e.type): e for e in by_execution}
    first = got[(graph["a1"], mlmd.Event.INPUT)]
    assert first.path == sent[0].path
    assert [s.WhichOneof("value") for s in first.path.steps] == ["key", "index", "key", "index"]
    assert before <= first.milliseconds_since_epoch <= after
    assert got[(graph["a2"], mlmd.Event.OUTPUT)].path == sent[1].path
    by_artifact = store.get_events_by_artifact_ids([graph["a2"]])
    assert sorted((e.execution_id, e.type) for e in by_artifact) == sorted(
        [(graph["e1"], mlmd.Event.OUTPUT), (graph["e2"], mlmd.Event.INPUT)]
    )
    assert not [e for e in by_artifact if e.execution_id == graph["e2"]][0].HasField("path")


def test_event_keeps_a_client_timestamp(store: Any, graph: dict[str, int]) -> None:
    event = _event(graph["a1"], graph["e1"], mlmd.Event.OUTPUT)
    event.milliseconds_since_epoch = 12345

    store.put_events([event])

    [got] = store.get_events_by_execution_ids([graph["e1"]])
    assert got.milliseconds_since_epoch == 12345


def test_events_lookup_of_unknown_ids_is_empty(store: Any, graph: dict[str, int]) -> None:
    store.put_events([_event(graph["a1"], graph["e1"], mlmd.Event.INPUT)])
    missing = max(graph.values()) + 1000

    assert store.get_events_by_execution_ids([missing]) == []
    assert store.get_events_by_artifact_ids([missing]) == []
    assert len(store.get_events_by_artifact_ids([graph["a1"], missing])) == 1


def test_duplicate_event_is_already_exists(store: Any, graph: dict[str, int]) -> None:
    event = _event(graph["a1"], graph["e1"], mlmd.Event.INPUT, "x")
    store.put_events([event])

    with pytest.raises(AlreadyExistsError):
        store.put_events([event])
    # Same pair with another event type is a different event.
    store.put_events([_event(graph["a1"], graph["e1"], mlmd.Event.OUTPUT)])
    assert len(store.get_events_by_execution_ids([graph["e1"]])) == 2


def test_event_needs_a_type(store: Any, graph: dict[str, int]) -> None:
    with pytest.raises(InvalidArgumentError):
        store.put_events([mlmd.Event(artifact_id=graph["a1"], execution_id=graph["e1"])])
    assert store.get_events_by_execution_ids([graph["e1"]]) == []


def test_event_needs_both_ids(store: Any, graph: dict[str, int]) -> None:
    with pytest.raises(InvalidArgumentError):
        store.put_events([mlmd.Event(execution_id=graph["e1"], type=mlmd.Event.INPUT)])
    with pytest.raises(InvalidArgumentError):
        store.put_events([mlmd.Event(artifact_id=graph["a1"], type=mlmd.Event.INPUT)])


# --- attributions and associations --------------------------------------------------------


def test_attributions_and_associations(store: Any, graph: dict[str, int]) -> None:
    store.put_attributions_and_associations(
        [
            mlmd.Attribution(context_id=graph["c1"], artifact_id=graph["a1"]),
            mlmd.Attribution(context_id=graph["c2"], artifact_id=graph["a1"]),
            mlmd.Attribution(context_id=graph["c1"], artifact_id=graph["a2"]),
        ],
        [
            mlmd.Association(context_id=graph["c1"], execution_id=graph["e1"]),
            mlmd.Association(context_id=graph["c3"], execution_id=graph["e1"]),
        ],
    )

    assert sorted(c.id for c in store.get_contexts_by_artifact(graph["a1"])) == [
        graph["c1"], graph["c2"],
    ]  # fmt: skip
    assert sorted(c.id for c in store.get_contexts_by_execution(graph["e1"])) == [
        graph["c1"], graph["c3"],
    ]  # fmt: skip
    assert sorted(a.id for a in store.get_artifacts_by_context(graph["c1"])) == [
        graph["a1"], graph["a2"],
    ]  # fmt: skip
    assert [e.id for e in store.get_executions_by_context(graph["c1"])] == [graph["e1"]]
    assert store.get_executions_by_context(graph["c2"]) == []
    assert store.get_artifacts_by_context(graph["c3"]) == []
    with pytest.raises(NotFoundError):  # MLMD: "No contexts found for execution_id"
        store.get_contexts_by_execution(graph["e2"])
    with pytest.raises(NotFoundError):
        store.get_contexts_by_artifact(max(graph.values()) + 1000)


def test_contexts_of_an_unlinked_node_are_not_found(store: Any, graph: dict[str, int]) -> None:
    # MLMD: NOT_FOUND "No contexts found for artifact_id" even for a stored node.
    store.put_attributions_and_associations(
        [mlmd.Attribution(context_id=graph["c1"], artifact_id=graph["a1"])],
        [mlmd.Association(context_id=graph["c1"], execution_id=graph["e1"])],
    )

    with pytest.raises(NotFoundError):
        store.get_contexts_by_artifact(graph["a2"])
    with pytest.raises(NotFoundError):
        store.get_contexts_by_execution(graph["e2"])
    assert [c.id for c in store.get_contexts_by_artifact(graph["a1"])] == [graph["c1"]]


def test_duplicate_attributions_and_associations_are_ignored(
    store: Any, graph: dict[str, int], count_rows: Any
) -> None:
    attribution = mlmd.Attribution(context_id=graph["c1"], artifact_id=graph["a1"])
    association = mlmd.Association(context_id=graph["c1"], execution_id=graph["e1"])
    store.put_attributions_and_associations([attribution], [association])

    store.put_attributions_and_associations([attribution, attribution], [association] * 2)

    assert count_rows("attribution") == 1
    assert count_rows("association") == 1
    assert [a.id for a in store.get_artifacts_by_context(graph["c1"])] == [graph["a1"]]


def test_links_of_unknown_context_are_empty(store: Any, graph: dict[str, int]) -> None:
    missing = max(graph.values()) + 1000

    assert store.get_artifacts_by_context(missing) == []
    assert store.get_executions_by_context(missing) == []


def test_artifacts_by_context_beyond_one_hundred(store: Any, types: Types) -> None:
    ids = store.put_artifacts([mlmd.Artifact(type_id=types.model) for _ in range(120)])
    [c] = store.put_contexts([mlmd.Context(type_id=types.pipeline, name="big")])
    store.put_attributions_and_associations(
        [mlmd.Attribution(context_id=c, artifact_id=a) for a in ids], []
    )

    assert sorted(a.id for a in store.get_artifacts_by_context(c)) == sorted(ids)


# --- parent contexts ----------------------------------------------------------------------


def _parent(child: int, parent: int) -> Any:
    return mlmd.ParentContext(child_id=child, parent_id=parent)


def test_parent_and_children_contexts(store: Any, graph: dict[str, int]) -> None:
    c1, c2, c3 = graph["c1"], graph["c2"], graph["c3"]
    store.put_parent_contexts([_parent(c2, c1), _parent(c3, c1), _parent(c3, c2)])

    assert [c.id for c in store.get_parent_contexts_by_context(c2)] == [c1]
    assert sorted(c.id for c in store.get_parent_contexts_by_context(c3)) == [c1, c2]
    assert store.get_parent_contexts_by_context(c1) == []
    assert sorted(c.id for c in store.get_children_contexts_by_context(c1)) == [c2, c3]
    assert [c.id for c in store.get_children_contexts_by_context(c2)] == [c3]
    assert store.get_children_contexts_by_context(c3) == []
    parent = store.get_parent_contexts_by_context(c2)[0]
    assert (parent.name, parent.type) == ("c1", "Pipeline")


def test_parent_and_children_contexts_in_batches(
    store: Any, caller: Any, graph: dict[str, int]
) -> None:
    c1, c2, c3 = graph["c1"], graph["c2"], graph["c3"]
    store.put_parent_contexts([_parent(c2, c1), _parent(c3, c1), _parent(c3, c2)])
    missing = max(graph.values()) + 1000

    parents = caller.call(
        "GetParentContextsByContexts",
        mlmd.GetParentContextsByContextsRequest(context_ids=[c1, c2, c3, missing]),
    )
    children = caller.call(
        "GetChildrenContextsByContexts",
        mlmd.GetChildrenContextsByContextsRequest(context_ids=[c1, c2, c3, missing]),
    )

    got_parents = {k: sorted(c.id for c in v.parent_contexts) for k, v in parents.contexts.items()}
    got_children = {
        k: sorted(c.id for c in v.children_contexts) for k, v in children.contexts.items()
    }
    assert got_parents == {c2: [c1], c3: [c1, c2]}
    assert got_children == {c1: [c2, c3], c2: [c3]}


def test_duplicate_parent_context_is_already_exists(store: Any, graph: dict[str, int]) -> None:
    store.put_parent_contexts([_parent(graph["c2"], graph["c1"])])

    with pytest.raises(AlreadyExistsError):
        store.put_parent_contexts([_parent(graph["c2"], graph["c1"])])
    assert [c.id for c in store.get_parent_contexts_by_context(graph["c2"])] == [graph["c1"]]


def test_parent_context_needs_both_ids(store: Any, graph: dict[str, int]) -> None:
    with pytest.raises(InvalidArgumentError):
        store.put_parent_contexts([mlmd.ParentContext(child_id=graph["c1"])])
    with pytest.raises(InvalidArgumentError):
        store.put_parent_contexts([mlmd.ParentContext(parent_id=graph["c1"])])
