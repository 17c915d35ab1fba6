"""PutExecution: one execution with its artifacts, events and contexts, atomically;
PutLineageSubgraph: several of each, with event edges by index."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mdstore.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
)
from mdstore.wire import mlmd
from tests.helpers.clock import next_millisecond
from tests.helpers.types import Types

_INPUT = mlmd.Event.INPUT


def _input(*steps: str) -> Any:
    event = mlmd.Event(type=mlmd.Event.INPUT)
    for key in steps:
        event.path.steps.add().key = key
    return event


def _output() -> Any:
    return mlmd.Event(type=mlmd.Event.OUTPUT)


def _contexts(types: Types, *names: str) -> list[Any]:
    return [mlmd.Context(type_id=types.pipeline, name=name) for name in names]


def test_put_execution_writes_everything(store: Any, types: Types) -> None:
    execution = mlmd.Execution(type_id=types.trainer, name="train")
    execution.properties["epochs"].int_value = 3

    e, (a_in, a_out), (c1, c2) = store.put_execution(
        execution,
        [
            (mlmd.Artifact(type_id=types.dataset, uri="in"), _input("examples")),
            (mlmd.Artifact(type_id=types.model, uri="out"), _output()),
        ],
        _contexts(types, "pipeline", "run-1"),
    )

    got = store.get_executions_by_id([e])[0]
    assert (got.name, got.properties["epochs"].int_value) == ("train", 3)
    assert [a.uri for a in store.get_artifacts_by_id([a_in])] == ["in"]
    assert [a.uri for a in store.get_artifacts_by_id([a_out])] == ["out"]
    events = {ev.artifact_id: ev for ev in store.get_events_by_execution_ids([e])}
    assert set(events) == {a_in, a_out}
    assert events[a_in].type == mlmd.Event.INPUT
    assert [s.key for s in events[a_in].path.steps] == ["examples"]
    assert events[a_out].type == mlmd.Event.OUTPUT
    assert events[a_out].milliseconds_since_epoch > 0
    for context_id in (c1, c2):
        assert [x.id for x in store.get_executions_by_context(context_id)] == [e]
        assert sorted(a.id for a in store.get_artifacts_by_context(context_id)) == sorted(
            [a_in, a_out]
        )
    assert [c.name for c in store.get_contexts_by_id([c1, c2])] == ["pipeline", "run-1"]


def test_existing_context_without_reuse_is_already_exists(
    store: Any, types: Types, table_counts: Callable[[], dict[str, int]]
) -> None:
    store.put_execution(mlmd.Execution(type_id=types.trainer), [], _contexts(types, "p"))
    before = table_counts()

    with pytest.raises(AlreadyExistsError):
        store.put_execution(
            mlmd.Execution(type_id=types.trainer),
            [(mlmd.Artifact(type_id=types.model), _output())],
            _contexts(types, "p"),
        )
    assert table_counts() == before


def test_reuse_context_if_already_exist(store: Any, types: Types) -> None:
    first = mlmd.Context(type_id=types.pipeline, name="p")
    first.custom_properties["v"].int_value = 1
    e1, _, [c1] = store.put_execution(mlmd.Execution(type_id=types.trainer), [], [first])
    second = mlmd.Context(type_id=types.pipeline, name="p")
    second.custom_properties["v"].int_value = 2

    e2, [a], [c2] = store.put_execution(
        mlmd.Execution(type_id=types.trainer),
        [(mlmd.Artifact(type_id=types.model), _output())],
        [second],
        reuse_context_if_already_exist=True,
    )

    assert c2 == c1
    assert sorted(x.id for x in store.get_executions_by_context(c1)) == sorted([e1, e2])
    assert [x.id for x in store.get_artifacts_by_context(c1)] == [a]
    assert len(store.get_contexts()) == 1
    # The stored context is reused as it is, not updated (as MLMD does).
    assert store.get_contexts_by_id([c1])[0].custom_properties["v"].int_value == 1


def test_same_new_context_twice_in_one_request(store: Any, types: Types) -> None:
    _, _, (c1, c2) = store.put_execution(
        mlmd.Execution(type_id=types.trainer),
        [],
        _contexts(types, "twice", "twice"),
        reuse_context_if_already_exist=True,
    )

    assert c1 == c2
    assert len(store.get_contexts()) == 1


def test_existing_artifact_external_id_without_reuse_is_already_exists(
    store: Any, types: Types
) -> None:
    store.put_artifacts([mlmd.Artifact(type_id=types.model, external_id="m", uri="old")])

    with pytest.raises(AlreadyExistsError):
        store.put_execution(
            mlmd.Execution(type_id=types.trainer),
            [(mlmd.Artifact(type_id=types.model, external_id="m", uri="new"), _output())],
            [],
        )
    assert store.get_executions() == []
    assert [a.uri for a in store.get_artifacts()] == ["old"]


def test_reuse_artifact_if_already_exist_by_external_id(store: Any, types: Types) -> None:
    [stored] = store.put_artifacts([mlmd.Artifact(type_id=types.model, external_id="m", uri="old")])

    e, [a], _ = store.put_execution(
        mlmd.Execution(type_id=types.trainer),
        [(mlmd.Artifact(type_id=types.model, external_id="m", uri="new"), _input())],
        [],
        reuse_artifact_if_already_exist_by_external_id=True,
    )

    assert a == stored
    assert [x.uri for x in store.get_artifacts()] == ["new"]
    [event] = store.get_events_by_execution_ids([e])
    assert (event.artifact_id, event.type) == (stored, mlmd.Event.INPUT)


def test_reuse_artifact_option_still_creates_new_external_ids(store: Any, types: Types) -> None:
    _, [a], _ = store.put_execution(
        mlmd.Execution(type_id=types.trainer),
        [(mlmd.Artifact(type_id=types.model, external_id="fresh"), _output())],
        [],
        reuse_artifact_if_already_exist_by_external_id=True,
    )

    assert [x.id for x in store.get_artifacts_by_external_ids(["fresh"])] == [a]


def test_pair_without_event_stores_and_attributes_the_artifact(store: Any, types: Types) -> None:
    e, [a], [c] = store.put_execution(
        mlmd.Execution(type_id=types.trainer),
        [(mlmd.Artifact(type_id=types.model, uri="no-event"),)],
        _contexts(types, "p"),
    )

    assert store.get_events_by_execution_ids([e]) == []
    assert [x.id for x in store.get_artifacts_by_context(c)] == [a]


def test_update_existing_execution_and_artifact(store: Any, types: Types) -> None:
    [a] = store.put_artifacts([mlmd.Artifact(type_id=types.model, uri="old")])
    [e] = store.put_executions(
        [mlmd.Execution(type_id=types.trainer, last_known_state=mlmd.Execution.RUNNING)]
    )

    got_e, [got_a], _ = store.put_execution(
        mlmd.Execution(id=e, type_id=types.trainer, last_known_state=mlmd.Execution.COMPLETE),
        [
            (
                mlmd.Artifact(id=a, type_id=types.model, uri="new"),
                mlmd.Event(type=mlmd.Event.OUTPUT, artifact_id=a, execution_id=e),
            )
        ],
        [],
    )

    assert (got_e, got_a) == (e, a)
    assert store.get_executions_by_id([e])[0].last_known_state == mlmd.Execution.COMPLETE
    assert store.get_artifacts_by_id([a])[0].uri == "new"
    assert len(store.get_events_by_artifact_ids([a])) == 1


def test_same_artifact_with_two_event_types(store: Any, types: Types) -> None:
    [a] = store.put_artifacts([mlmd.Artifact(type_id=types.model, uri="x")])
    same = mlmd.Artifact(id=a, type_id=types.model, uri="x")

    e, ids, _ = store.put_execution(
        mlmd.Execution(type_id=types.trainer), [(same, _input()), (same, _output())], []
    )

    assert ids == [a, a]
    assert sorted(ev.type for ev in store.get_events_by_execution_ids([e])) == [
        mlmd.Event.INPUT, mlmd.Event.OUTPUT,
    ]  # fmt: skip


def test_existing_context_by_id_is_linked_and_updated(store: Any, types: Types) -> None:
    [c] = store.put_contexts(_contexts(types, "p"))
    update = mlmd.Context(id=c, type_id=types.pipeline, name="p")
    update.custom_properties["v"].int_value = 2

    e, _, [got] = store.put_execution(mlmd.Execution(type_id=types.trainer), [], [update])

    assert got == c
    assert [x.id for x in store.get_executions_by_context(c)] == [e]
    assert store.get_contexts_by_id([c])[0].custom_properties["v"].int_value == 2


def test_force_reuse_context_does_not_update_it(store: Any, types: Types) -> None:
    [c] = store.put_contexts(_contexts(types, "p"))
    update = mlmd.Context(id=c, type_id=types.pipeline, name="p")
    update.custom_properties["v"].int_value = 2

    e, _, [got] = store.put_execution(
        mlmd.Execution(type_id=types.trainer), [], [update], force_reuse_context=True
    )

    assert got == c
    assert [x.id for x in store.get_executions_by_context(c)] == [e]
    assert not store.get_contexts_by_id([c])[0].custom_properties


def test_event_artifact_id_must_match_the_artifact(
    store: Any, types: Types, table_counts: Callable[[], dict[str, int]]
) -> None:
    [a] = store.put_artifacts([mlmd.Artifact(type_id=types.model)])
    before = table_counts()

    with pytest.raises(InvalidArgumentError):
        store.put_execution(
            mlmd.Execution(type_id=types.trainer),
            [(mlmd.Artifact(type_id=types.model), mlmd.Event(type=_INPUT, artifact_id=a))],
            _contexts(types, "p"),
        )
    assert table_counts() == before


def test_event_execution_id_must_match_the_execution(
    store: Any, types: Types, table_counts: Callable[[], dict[str, int]]
) -> None:
    [e] = store.put_executions([mlmd.Execution(type_id=types.trainer)])
    before = table_counts()

    with pytest.raises(InvalidArgumentError):
        store.put_execution(
            mlmd.Execution(type_id=types.trainer),
            [(mlmd.Artifact(type_id=types.model), mlmd.Event(type=_INPUT, execution_id=e))],
            [],
        )
    assert table_counts() == before


def test_event_needs_a_type(store: Any, types: Types) -> None:
    with pytest.raises(InvalidArgumentError):
        store.put_execution(
            mlmd.Execution(type_id=types.trainer),
            [(mlmd.Artifact(type_id=types.model), mlmd.Event())],
            [],
        )
    assert store.get_executions() == []
    assert store.get_artifacts() == []


def test_execution_needs_a_type(store: Any, types: Types) -> None:
    with pytest.raises(InvalidArgumentError):
        store.put_execution(mlmd.Execution(), [], [])
    with pytest.raises(NotFoundError):
        store.put_execution(mlmd.Execution(type_id=types.model), [], [])
    assert store.get_executions() == []


def test_update_of_missing_execution_is_invalid(store: Any, types: Types) -> None:
    [e] = store.put_executions([mlmd.Execution(type_id=types.trainer)])

    with pytest.raises(InvalidArgumentError):
        store.put_execution(mlmd.Execution(id=e + 1000, type_id=types.trainer), [], [])
    assert [x.id for x in store.get_executions()] == [e]


def test_force_update_time_moves_an_unchanged_execution(store: Any, types: Types) -> None:
    [e] = store.put_executions([mlmd.Execution(type_id=types.trainer, name="e")])
    stored = store.get_executions_by_id([e])[0]
    next_millisecond(stored.last_update_time_since_epoch)

    store.put_execution(stored, [], [])
    unchanged = store.get_executions_by_id([e])[0]
    store.put_execution(stored, [], [], force_update_time=True)
    forced = store.get_executions_by_id([e])[0]

    assert unchanged.last_update_time_since_epoch == stored.last_update_time_since_epoch
    assert forced.last_update_time_since_epoch > stored.last_update_time_since_epoch
    assert forced.create_time_since_epoch == stored.create_time_since_epoch


# --- PutLineageSubgraph ---------------------------------------------------------------


def test_put_lineage_subgraph_writes_nodes_events_and_links(store: Any, types: Types) -> None:
    [e], (a_in, a_out), [c] = store.put_lineage_subgraph(
        [mlmd.Execution(type_id=types.trainer, name="run")],
        [
            mlmd.Artifact(type_id=types.dataset, uri="/in"),
            mlmd.Artifact(type_id=types.model, uri="/out"),
        ],
        _contexts(types, "ctx"),
        [(0, 0, _input("examples")), (0, 1, _output())],
    )

    events = store.get_events_by_execution_ids([e])
    assert sorted((ev.artifact_id, ev.type) for ev in events) == [
        (a_in, mlmd.Event.INPUT), (a_out, mlmd.Event.OUTPUT),
    ]  # fmt: skip
    assert [c.id for c in store.get_contexts_by_artifact(a_out)] == [c]
    assert [x.id for x in store.get_executions_by_context(c)] == [e]
    assert sorted(a.id for a in store.get_artifacts_by_context(c)) == sorted([a_in, a_out])


def test_put_lineage_subgraph_edge_by_stored_ids(store: Any, types: Types) -> None:
    [stored] = store.put_artifacts([mlmd.Artifact(type_id=types.model, uri="stored")])

    [e], [], [] = store.put_lineage_subgraph(
        [mlmd.Execution(type_id=types.trainer)],
        [],
        [],
        [(0, None, mlmd.Event(type=mlmd.Event.INPUT, artifact_id=stored))],
    )

    [event] = store.get_events_by_execution_ids([e])
    assert (event.artifact_id, event.type) == (stored, mlmd.Event.INPUT)


@pytest.mark.parametrize(
    ("edge", "error"),
    [
        ((1, 0, mlmd.Event(type=mlmd.Event.INPUT)), OutOfRangeError),
        ((0, -1, mlmd.Event(type=mlmd.Event.INPUT)), OutOfRangeError),
        ((0, 0, mlmd.Event(type=mlmd.Event.INPUT, execution_id=10**9)), InvalidArgumentError),
    ],
    ids=["execution-index-past-the-end", "negative-artifact-index", "id-not-the-indexed-one"],
)
def test_put_lineage_subgraph_bad_edge_stores_nothing(
    store: Any,
    types: Types,
    table_counts: Callable[[], dict[str, int]],
    edge: tuple[int, int, Any],
    error: type[Exception],
) -> None:
    before = table_counts()

    with pytest.raises(error, match="event"):
        store.put_lineage_subgraph(
            [mlmd.Execution(type_id=types.trainer)],
            [mlmd.Artifact(type_id=types.model)],
            _contexts(types, "p"),
            [edge],
        )
    assert table_counts() == before
