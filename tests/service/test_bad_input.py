"""Bad requests: the right error, nothing of the request stored, the store still works.

Status codes follow ml-metadata 1.17.1 (checked against its in-process fake
database), except where MLMD is broken: an empty ``Value`` crashes MLMD (mdstore:
INVALID_ARGUMENT), and MLMD has no length limits on SQLite (mdstore: names and
external ids over 255 characters are INVALID_ARGUMENT on every backend instead of
failing or truncating in MySQL). Most cases send the request as it is
(``caller.call``), a few go through the ``MetadataStore`` methods (``store``); both
on each access path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from mdstore.errors import (
    AlreadyExistsError,
    InvalidArgumentError,
    MdstoreError,
    NotFoundError,
)
from mdstore.wire import mlmd
from tests.helpers.types import INT, Types

LONG = "n" * 256
MARKER = "@@@@"  # replaced on the wire by four bytes that are not UTF-8
NOT_UTF8 = b"\xff\xfe\xfd\xfc"


@dataclass(frozen=True)
class World:
    """What the bad requests refer to: types and a few stored nodes."""

    types: Types
    artifact: int
    execution: int
    context: int
    child: int  # a context whose parent is ``context``
    other: int  # a context with no links
    missing: int  # an id no node or type has


@pytest.fixture
def world(store: Any, types: Types) -> World:
    [artifact] = store.put_artifacts([mlmd.Artifact(type_id=types.model, name="taken")])
    [execution] = store.put_executions([mlmd.Execution(type_id=types.trainer, name="taken")])
    context, child, other = store.put_contexts(
        [mlmd.Context(type_id=types.pipeline, name=n) for n in ("parent", "child", "other")]
    )
    store.put_parent_contexts([mlmd.ParentContext(child_id=child, parent_id=context)])
    return World(types, artifact, execution, context, child, other, missing=10**9)


# --- the bad artifact, and where it may hide ------------------------------------------


def _artifact(w: World, **fields: Any) -> Any:
    return mlmd.Artifact(type_id=w.types.dataset, **fields)


def _empty_property(w: World) -> Any:
    artifact = _artifact(w)
    artifact.properties["int_p"].CopyFrom(mlmd.Value())
    return artifact


def _empty_custom_property(w: World) -> Any:
    artifact = _artifact(w)
    artifact.custom_properties["c"].CopyFrom(mlmd.Value())
    return artifact


def _unknown_property(w: World) -> Any:
    artifact = _artifact(w)
    artifact.properties["no_such_property"].int_value = 1
    return artifact


def _wrong_value_kind(w: World) -> Any:
    artifact = _artifact(w)
    artifact.properties["int_p"].string_value = "not an int"
    return artifact


def _long_property_name(w: World) -> Any:
    artifact = _artifact(w)
    artifact.custom_properties[LONG].int_value = 1
    return artifact


BAD_ARTIFACTS: dict[str, tuple[Callable[[World], Any], type[MdstoreError]]] = {
    "empty_property_value": (_empty_property, InvalidArgumentError),
    "empty_custom_property_value": (_empty_custom_property, InvalidArgumentError),
    "unknown_property": (_unknown_property, InvalidArgumentError),
    "wrong_value_kind": (_wrong_value_kind, InvalidArgumentError),
    "missing_type_id": (lambda w: mlmd.Artifact(uri="u"), InvalidArgumentError),
    "unknown_type_id": (lambda w: mlmd.Artifact(type_id=w.missing), NotFoundError),
    "type_id_of_an_execution_type": (
        lambda w: mlmd.Artifact(type_id=w.types.trainer),
        NotFoundError,
    ),
    "update_of_missing_id": (lambda w: _artifact(w, id=w.missing), InvalidArgumentError),
    "name_over_255": (lambda w: _artifact(w, name=LONG), InvalidArgumentError),
    "external_id_over_255": (lambda w: _artifact(w, external_id=LONG), InvalidArgumentError),
    "property_name_over_255": (_long_property_name, InvalidArgumentError),
    "name_taken": (
        lambda w: mlmd.Artifact(type_id=w.types.model, name="taken"),
        AlreadyExistsError,
    ),
}


@pytest.fixture(params=sorted(BAD_ARTIFACTS))
def bad_artifact(request: pytest.FixtureRequest, world: World) -> tuple[Any, type[MdstoreError]]:
    build, error = BAD_ARTIFACTS[request.param]
    return build(world), error


def _good_artifacts(w: World, n: int) -> list[Any]:
    return [mlmd.Artifact(type_id=w.types.model, uri=f"good-{i}") for i in range(n)]


def assert_store_still_works(caller: Any, w: World) -> None:
    """A good write and a read succeed after the failed request."""
    response = caller.call(
        "PutArtifacts", mlmd.PutArtifactsRequest(artifacts=_good_artifacts(w, 1))
    )
    [artifact_id] = response.artifact_ids
    got = caller.call("GetArtifactsByID", mlmd.GetArtifactsByIDRequest(artifact_ids=[artifact_id]))
    assert [a.uri for a in got.artifacts] == ["good-0"]


def assert_rejected(
    caller: Any,
    table_counts: Callable[[], dict[str, int]],
    w: World,
    method: str,
    request: Any,
    error: type[MdstoreError],
) -> None:
    """The request fails with exactly ``error``, stores nothing, harms nothing."""
    before = table_counts()
    with pytest.raises(MdstoreError) as raised:
        caller.call(method, request)
    assert type(raised.value) is error, raised.value
    assert table_counts() == before
    assert_store_still_works(caller, w)


def test_bad_artifact_last_in_a_batch_stores_none(
    caller: Any,
    world: World,
    bad_artifact: tuple[Any, type[MdstoreError]],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    artifact, error = bad_artifact
    request = mlmd.PutArtifactsRequest(artifacts=[*_good_artifacts(world, 2), artifact])

    assert_rejected(caller, table_counts, world, "PutArtifacts", request, error)


def test_bad_artifact_last_in_put_execution_stores_nothing(
    caller: Any,
    world: World,
    bad_artifact: tuple[Any, type[MdstoreError]],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    artifact, error = bad_artifact
    request = mlmd.PutExecutionRequest(
        execution=mlmd.Execution(type_id=world.types.trainer, name="new-run"),
        contexts=[mlmd.Context(type_id=world.types.run, name="new-context")],
    )
    for good in _good_artifacts(world, 2):
        request.artifact_event_pairs.add(artifact=good, event=mlmd.Event(type=mlmd.Event.INPUT))
    request.artifact_event_pairs.add(artifact=artifact, event=mlmd.Event(type=mlmd.Event.OUTPUT))

    assert_rejected(caller, table_counts, world, "PutExecution", request, error)


def test_bad_artifact_through_the_store_api(
    store: Any,
    world: World,
    bad_artifact: tuple[Any, type[MdstoreError]],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    artifact, error = bad_artifact
    before = table_counts()

    with pytest.raises(error):
        store.put_artifacts([*_good_artifacts(world, 2), artifact])

    assert table_counts() == before
    assert len(store.put_artifacts(_good_artifacts(world, 1))) == 1


# --- executions, contexts and types ---------------------------------------------------


def _execution_with(w: World, fill: Callable[[Any], None]) -> Any:
    execution = mlmd.Execution(type_id=w.types.trainer)
    fill(execution)
    return execution


def _context_with(w: World, fill: Callable[[Any], None]) -> Any:
    context = mlmd.Context(type_id=w.types.pipeline, name="fresh")
    fill(context)
    return context


OTHER_NODES: dict[str, tuple[Callable[[World], tuple[str, Any]], type[MdstoreError]]] = {
    "execution_empty_property_value": (
        lambda w: ("PutExecutions", mlmd.PutExecutionsRequest(executions=[
            mlmd.Execution(type_id=w.types.trainer),
            _execution_with(w, lambda e: e.properties["epochs"].CopyFrom(mlmd.Value())),
        ])),
        InvalidArgumentError,
    ),
    "execution_empty_custom_value": (
        lambda w: ("PutExecutions", mlmd.PutExecutionsRequest(executions=[
            _execution_with(w, lambda e: e.custom_properties["c"].CopyFrom(mlmd.Value())),
        ])),
        InvalidArgumentError,
    ),
    "execution_wrong_value_kind": (
        lambda w: ("PutExecutions", mlmd.PutExecutionsRequest(executions=[
            _execution_with(w, lambda e: setattr(e.properties["epochs"], "double_value", 1.0)),
        ])),
        InvalidArgumentError,
    ),
    "execution_missing_type_id": (
        lambda w: ("PutExecutions", mlmd.PutExecutionsRequest(executions=[mlmd.Execution()])),
        InvalidArgumentError,
    ),
    "execution_update_of_missing_id": (
        lambda w: ("PutExecutions", mlmd.PutExecutionsRequest(executions=[
            mlmd.Execution(type_id=w.types.trainer, id=w.missing),
        ])),
        InvalidArgumentError,
    ),
    "context_empty_custom_value": (
        lambda w: ("PutContexts", mlmd.PutContextsRequest(contexts=[
            _context_with(w, lambda c: c.custom_properties["c"].CopyFrom(mlmd.Value())),
        ])),
        InvalidArgumentError,
    ),
    "context_unknown_property": (
        lambda w: ("PutContexts", mlmd.PutContextsRequest(contexts=[
            _context_with(w, lambda c: setattr(c.properties["nope"], "int_value", 1)),
        ])),
        InvalidArgumentError,
    ),
    "context_without_name": (
        lambda w: ("PutContexts", mlmd.PutContextsRequest(contexts=[
            mlmd.Context(type_id=w.types.pipeline, name="ok"),
            mlmd.Context(type_id=w.types.pipeline),
        ])),
        InvalidArgumentError,
    ),
    "context_name_over_255": (
        lambda w: ("PutContexts", mlmd.PutContextsRequest(contexts=[
            mlmd.Context(type_id=w.types.pipeline, name=LONG),
        ])),
        InvalidArgumentError,
    ),
    "context_unknown_type_id": (
        lambda w: ("PutContexts", mlmd.PutContextsRequest(contexts=[
            mlmd.Context(type_id=w.missing, name="x"),
        ])),
        NotFoundError,
    ),
    "type_name_over_255": (
        lambda w: ("PutArtifactType", mlmd.PutArtifactTypeRequest(
            artifact_type=mlmd.ArtifactType(name=LONG))),
        InvalidArgumentError,
    ),
    "type_version_over_255": (
        lambda w: ("PutExecutionType", mlmd.PutExecutionTypeRequest(
            execution_type=mlmd.ExecutionType(name="T", version=LONG))),
        InvalidArgumentError,
    ),
    "type_external_id_over_255": (
        lambda w: ("PutContextType", mlmd.PutContextTypeRequest(
            context_type=mlmd.ContextType(name="T", external_id=LONG))),
        InvalidArgumentError,
    ),
    "type_without_name": (
        lambda w: ("PutTypes", mlmd.PutTypesRequest(
            artifact_types=[mlmd.ArtifactType(name="fine")],
            execution_types=[mlmd.ExecutionType()])),
        InvalidArgumentError,
    ),
    "type_property_of_unknown_value_type": (
        lambda w: ("PutArtifactType", mlmd.PutArtifactTypeRequest(
            artifact_type=mlmd.ArtifactType(name="T", properties={"p": 0}))),
        InvalidArgumentError,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(OTHER_NODES))
def test_bad_node_or_type_stores_nothing(
    caller: Any, world: World, case: str, table_counts: Callable[[], dict[str, int]]
) -> None:
    build, error = OTHER_NODES[case]
    method, request = build(world)

    assert_rejected(caller, table_counts, world, method, request, error)


# --- links to unknown nodes -----------------------------------------------------------------


def _event(artifact_id: int, execution_id: int) -> Any:
    return mlmd.Event(artifact_id=artifact_id, execution_id=execution_id, type=mlmd.Event.INPUT)


LINKS: dict[str, Callable[[World], tuple[str, Any]]] = {
    "event_missing_artifact": lambda w: ("PutEvents", mlmd.PutEventsRequest(events=[
        _event(w.artifact, w.execution), _event(w.missing, w.execution),
    ])),
    "event_missing_execution": lambda w: ("PutEvents", mlmd.PutEventsRequest(events=[
        _event(w.artifact, w.execution), _event(w.artifact, w.missing),
    ])),
    "attribution_missing_context": lambda w: (
        "PutAttributionsAndAssociations", mlmd.PutAttributionsAndAssociationsRequest(
            attributions=[
                mlmd.Attribution(context_id=w.context, artifact_id=w.artifact),
                mlmd.Attribution(context_id=w.missing, artifact_id=w.artifact),
            ],
            associations=[mlmd.Association(context_id=w.context, execution_id=w.execution)],
        )),
    "attribution_missing_artifact": lambda w: (
        "PutAttributionsAndAssociations", mlmd.PutAttributionsAndAssociationsRequest(
            attributions=[mlmd.Attribution(context_id=w.context, artifact_id=w.missing)])),
    "association_missing_context": lambda w: (
        "PutAttributionsAndAssociations", mlmd.PutAttributionsAndAssociationsRequest(
            attributions=[mlmd.Attribution(context_id=w.context, artifact_id=w.artifact)],
            associations=[mlmd.Association(context_id=w.missing, execution_id=w.execution)],
        )),
    "association_missing_execution": lambda w: (
        "PutAttributionsAndAssociations", mlmd.PutAttributionsAndAssociationsRequest(
            associations=[mlmd.Association(context_id=w.context, execution_id=w.missing)])),
    "parent_context_missing_child": lambda w: ("PutParentContexts", mlmd.PutParentContextsRequest(
        parent_contexts=[mlmd.ParentContext(child_id=w.missing, parent_id=w.context)])),
    "parent_context_missing_parent": lambda w: ("PutParentContexts", mlmd.PutParentContextsRequest(
        parent_contexts=[mlmd.ParentContext(child_id=w.other, parent_id=w.missing)])),
    "parent_context_cycle": lambda w: ("PutParentContexts", mlmd.PutParentContextsRequest(
        parent_contexts=[mlmd.ParentContext(child_id=w.context, parent_id=w.child)])),
    "parent_context_self": lambda w: ("PutParentContexts", mlmd.PutParentContextsRequest(
        parent_contexts=[mlmd.ParentContext(child_id=w.other, parent_id=w.other)])),
    "parent_context_cycle_within_the_request": lambda w: (
        "PutParentContexts", mlmd.PutParentContextsRequest(parent_contexts=[
            mlmd.ParentContext(child_id=w.other, parent_id=w.child),
            mlmd.ParentContext(child_id=w.context, parent_id=w.other),
        ])),
    "parent_context_two_way_in_one_request": lambda w: (
        "PutParentContexts", mlmd.PutParentContextsRequest(parent_contexts=[
            mlmd.ParentContext(child_id=w.other, parent_id=w.context),
            mlmd.ParentContext(child_id=w.context, parent_id=w.other),
        ])),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(LINKS))
def test_link_to_unknown_node_or_cycle_is_invalid(
    caller: Any, world: World, case: str, table_counts: Callable[[], dict[str, int]]
) -> None:
    method, request = LINKS[case](world)

    assert_rejected(caller, table_counts, world, method, request, InvalidArgumentError)


def test_parent_context_cycle_through_the_store_api(store: Any, world: World) -> None:
    with pytest.raises(InvalidArgumentError):
        store.put_parent_contexts(
            [mlmd.ParentContext(child_id=world.context, parent_id=world.child)]
        )
    with pytest.raises(InvalidArgumentError):
        store.put_parent_contexts([mlmd.ParentContext(child_id=world.child, parent_id=world.child)])

    assert store.get_parent_contexts_by_context(world.context) == []
    assert [c.id for c in store.get_parent_contexts_by_context(world.child)] == [world.context]


# --- invalid UTF-8 on the wire -----------------------------------------------------------------


def _corrupt(request: Any) -> Any:
    """The request re-parsed after its MARKER bytes were replaced by invalid UTF-8."""
    data = request.SerializeToString()
    assert data.count(MARKER.encode()) == 1
    return type(request).FromString(data.replace(MARKER.encode(), NOT_UTF8))


def _artifact_with_marker(w: World, where: str) -> Any:
    artifact = mlmd.Artifact(type_id=w.types.model, uri="plain")
    if where == "name":
        artifact.name = f"x{MARKER}y"
    elif where == "uri":
        artifact.uri = f"s3://{MARKER}"
    elif where == "external_id":
        artifact.external_id = MARKER
    elif where == "custom_property_value":
        artifact.custom_properties["c"].string_value = MARKER
    elif where == "custom_property_name":
        artifact.custom_properties[MARKER].int_value = 1
    return artifact


@pytest.mark.parametrize(
    "where", ["name", "uri", "external_id", "custom_property_value", "custom_property_name"]
)
def test_invalid_utf8_in_put_artifacts(
    caller: Any, world: World, where: str, table_counts: Callable[[], dict[str, int]]
) -> None:
    request = mlmd.PutArtifactsRequest(
        artifacts=[*_good_artifacts(world, 2), _artifact_with_marker(world, where)]
    )

    assert_rejected(
        caller, table_counts, world, "PutArtifacts", _corrupt(request), InvalidArgumentError
    )


INVALID_UTF8_ELSEWHERE: dict[str, Callable[[World], tuple[str, Any]]] = {
    "type_name": lambda w: ("PutArtifactType", mlmd.PutArtifactTypeRequest(
        artifact_type=mlmd.ArtifactType(name=f"T{MARKER}"))),
    "type_property_name": lambda w: ("PutExecutionType", mlmd.PutExecutionTypeRequest(
        execution_type=mlmd.ExecutionType(name="T", properties={MARKER: INT}))),
    "context_name": lambda w: ("PutContexts", mlmd.PutContextsRequest(
        contexts=[mlmd.Context(type_id=w.types.pipeline, name=MARKER)])),
    "execution_property_value": lambda w: ("PutExecutions", mlmd.PutExecutionsRequest(
        executions=[mlmd.Execution(
            type_id=w.types.trainer,
            custom_properties={"s": mlmd.Value(string_value=MARKER)})])),
    "event_path_key": lambda w: ("PutEvents", mlmd.PutEventsRequest(events=[mlmd.Event(
        artifact_id=w.artifact, execution_id=w.execution, type=mlmd.Event.INPUT,
        path=mlmd.Event.Path(steps=[mlmd.Event.Path.Step(key=MARKER)]))])),
    "put_execution_context_name": lambda w: ("PutExecution", mlmd.PutExecutionRequest(
        execution=mlmd.Execution(type_id=w.types.trainer),
        contexts=[mlmd.Context(type_id=w.types.run, name=MARKER)])),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(INVALID_UTF8_ELSEWHERE))
def test_invalid_utf8_elsewhere(
    caller: Any, world: World, case: str, table_counts: Callable[[], dict[str, int]]
) -> None:
    method, request = INVALID_UTF8_ELSEWHERE[case](world)

    assert_rejected(caller, table_counts, world, method, _corrupt(request), InvalidArgumentError)


def test_invalid_utf8_in_a_lookup_is_invalid(caller: Any, world: World) -> None:
    request = _corrupt(mlmd.GetArtifactTypeRequest(type_name=f"T{MARKER}"))

    with pytest.raises(InvalidArgumentError):
        caller.call("GetArtifactType", request)
    assert_store_still_works(caller, world)
