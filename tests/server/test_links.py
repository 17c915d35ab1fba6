"""Events, attributions/associations and parent contexts through the real stub."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import pytest

from mdstore.wire import mlmd
from tests.server.conftest import Stub, TypeIds, status_of


@dataclass(frozen=True)
class Nodes:
    artifacts: list[int]  # two artifacts: an input and an output
    execution: int
    contexts: list[int]  # three contexts, no links yet


@pytest.fixture
def nodes(stub: Stub, types: TypeIds) -> Nodes:
    artifacts = stub.PutArtifacts(
        mlmd.PutArtifactsRequest(
            artifacts=[
                mlmd.Artifact(type_id=types.artifact, uri="/in"),
                mlmd.Artifact(type_id=types.artifact, uri="/out"),
            ]
        )
    ).artifact_ids
    [execution] = stub.PutExecutions(
        mlmd.PutExecutionsRequest(executions=[mlmd.Execution(type_id=types.execution)])
    ).execution_ids
    contexts = stub.PutContexts(
        mlmd.PutContextsRequest(
            contexts=[mlmd.Context(type_id=types.context, name=f"c{i}") for i in range(3)]
        )
    ).context_ids
    return Nodes(list(artifacts), execution, list(contexts))


def _events(nodes: Nodes) -> list[object]:
    path = mlmd.Event.Path(
        steps=[mlmd.Event.Path.Step(key="examples"), mlmd.Event.Path.Step(index=0)]
    )
    return [
        mlmd.Event(
            artifact_id=nodes.artifacts[0],
            execution_id=nodes.execution,
            type=mlmd.Event.INPUT,
            path=path,
        ),
        mlmd.Event(
            artifact_id=nodes.artifacts[1], execution_id=nodes.execution, type=mlmd.Event.OUTPUT
        ),
    ]


def _link(stub: Stub, nodes: Nodes) -> None:
    """Attributes the first artifact and associates the execution to context 0."""
    stub.PutAttributionsAndAssociations(
        mlmd.PutAttributionsAndAssociationsRequest(
            attributions=[
                mlmd.Attribution(artifact_id=nodes.artifacts[0], context_id=nodes.contexts[0])
            ],
            associations=[
                mlmd.Association(execution_id=nodes.execution, context_id=nodes.contexts[0])
            ],
        )
    )


def _put_parents(stub: Stub, *pairs: tuple[int, int]) -> None:
    stub.PutParentContexts(
        mlmd.PutParentContextsRequest(
            parent_contexts=[mlmd.ParentContext(child_id=c, parent_id=p) for c, p in pairs]
        )
    )


def test_put_events(stub: Stub, nodes: Nodes) -> None:
    stub.PutEvents(mlmd.PutEventsRequest(events=_events(nodes)))
    stored = stub.GetEventsByExecutionIDs(
        mlmd.GetEventsByExecutionIDsRequest(execution_ids=[nodes.execution])
    ).events
    by_artifact = {e.artifact_id: e for e in stored}
    assert set(by_artifact) == set(nodes.artifacts)
    first = by_artifact[nodes.artifacts[0]]
    assert first.type == mlmd.Event.INPUT
    assert [(s.key, s.index) for s in first.path.steps] == [("examples", 0), ("", 0)]
    assert first.path.steps[1].HasField("index")
    assert first.milliseconds_since_epoch > 0

    code, _ = status_of(stub.PutEvents, mlmd.PutEventsRequest(events=_events(nodes)[:1]))
    assert code == grpc.StatusCode.ALREADY_EXISTS  # the same (artifact, execution, type)


@pytest.mark.parametrize(
    "broken",
    [
        {"artifact_id": 987654},  # unknown artifact
        {"execution_id": 987654},  # unknown execution
        {"type": mlmd.Event.UNKNOWN},  # no event type
    ],
)
def test_put_events_rejects(stub: Stub, nodes: Nodes, broken: dict[str, int]) -> None:
    event = mlmd.Event(
        artifact_id=nodes.artifacts[0], execution_id=nodes.execution, type=mlmd.Event.INPUT
    )
    for field, value in broken.items():
        setattr(event, field, value)
    code, _ = status_of(stub.PutEvents, mlmd.PutEventsRequest(events=[event]))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_get_events_by_execution_ids(stub: Stub, nodes: Nodes) -> None:
    stub.PutEvents(mlmd.PutEventsRequest(events=_events(nodes)))
    response = stub.GetEventsByExecutionIDs(
        mlmd.GetEventsByExecutionIDsRequest(execution_ids=[nodes.execution, 987654])
    )
    assert sorted((e.artifact_id, e.type) for e in response.events) == [
        (nodes.artifacts[0], mlmd.Event.INPUT),
        (nodes.artifacts[1], mlmd.Event.OUTPUT),
    ]
    none = stub.GetEventsByExecutionIDs(mlmd.GetEventsByExecutionIDsRequest(execution_ids=[987654]))
    assert list(none.events) == []


def test_get_events_by_artifact_ids(stub: Stub, nodes: Nodes) -> None:
    stub.PutEvents(mlmd.PutEventsRequest(events=_events(nodes)))
    response = stub.GetEventsByArtifactIDs(
        mlmd.GetEventsByArtifactIDsRequest(artifact_ids=[nodes.artifacts[1]])
    )
    assert [(e.execution_id, e.type) for e in response.events] == [
        (nodes.execution, mlmd.Event.OUTPUT)
    ]


def test_put_attributions_and_associations(stub: Stub, nodes: Nodes) -> None:
    _link(stub, nodes)
    _link(stub, nodes)  # putting the same links again is a no-op, as in MLMD
    artifacts = stub.GetArtifactsByContext(
        mlmd.GetArtifactsByContextRequest(context_id=nodes.contexts[0])
    ).artifacts
    assert [a.id for a in artifacts] == [nodes.artifacts[0]]

    code, _ = status_of(
        stub.PutAttributionsAndAssociations,
        mlmd.PutAttributionsAndAssociationsRequest(
            attributions=[mlmd.Attribution(artifact_id=nodes.artifacts[0], context_id=987654)]
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, _ = status_of(
        stub.PutAttributionsAndAssociations,
        mlmd.PutAttributionsAndAssociationsRequest(
            associations=[mlmd.Association(execution_id=987654, context_id=nodes.contexts[0])]
        ),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_get_contexts_by_artifact(stub: Stub, nodes: Nodes) -> None:
    _link(stub, nodes)
    response = stub.GetContextsByArtifact(
        mlmd.GetContextsByArtifactRequest(artifact_id=nodes.artifacts[0])
    )
    assert [c.id for c in response.contexts] == [nodes.contexts[0]]
    # MLMD answers NOT_FOUND ("No contexts found for artifact_id") for an unattributed artifact.
    code, _ = status_of(
        stub.GetContextsByArtifact,
        mlmd.GetContextsByArtifactRequest(artifact_id=nodes.artifacts[1]),
    )
    assert code == grpc.StatusCode.NOT_FOUND


def test_get_contexts_by_execution(stub: Stub, nodes: Nodes) -> None:
    _link(stub, nodes)
    response = stub.GetContextsByExecution(
        mlmd.GetContextsByExecutionRequest(execution_id=nodes.execution)
    )
    assert [c.name for c in response.contexts] == ["c0"]
    code, _ = status_of(
        stub.GetContextsByExecution, mlmd.GetContextsByExecutionRequest(execution_id=987654)
    )
    assert code == grpc.StatusCode.NOT_FOUND


def test_get_artifacts_by_context(stub: Stub, nodes: Nodes) -> None:
    _link(stub, nodes)
    stub.PutAttributionsAndAssociations(
        mlmd.PutAttributionsAndAssociationsRequest(
            attributions=[
                mlmd.Attribution(artifact_id=nodes.artifacts[1], context_id=nodes.contexts[0])
            ]
        )
    )
    response = stub.GetArtifactsByContext(
        mlmd.GetArtifactsByContextRequest(context_id=nodes.contexts[0])
    )
    assert sorted(a.id for a in response.artifacts) == sorted(nodes.artifacts)
    empty = stub.GetArtifactsByContext(mlmd.GetArtifactsByContextRequest(context_id=987654))
    assert list(empty.artifacts) == []


def test_get_executions_by_context(stub: Stub, nodes: Nodes) -> None:
    _link(stub, nodes)
    response = stub.GetExecutionsByContext(
        mlmd.GetExecutionsByContextRequest(context_id=nodes.contexts[0])
    )
    assert [e.id for e in response.executions] == [nodes.execution]
    empty = stub.GetExecutionsByContext(
        mlmd.GetExecutionsByContextRequest(context_id=nodes.contexts[1])
    )
    assert list(empty.executions) == []


def test_put_parent_contexts(stub: Stub, nodes: Nodes) -> None:
    c0, c1, c2 = nodes.contexts
    _put_parents(stub, (c1, c0), (c2, c1))
    parents = stub.GetParentContextsByContext(mlmd.GetParentContextsByContextRequest(context_id=c1))
    assert [c.id for c in parents.contexts] == [c0]

    request = mlmd.PutParentContextsRequest
    code, _ = status_of(
        stub.PutParentContexts,
        request(parent_contexts=[mlmd.ParentContext(child_id=c1, parent_id=c0)]),
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS
    code, _ = status_of(
        stub.PutParentContexts,
        request(parent_contexts=[mlmd.ParentContext(child_id=c1, parent_id=987654)]),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT  # unknown parent
    code, _ = status_of(
        stub.PutParentContexts,
        request(parent_contexts=[mlmd.ParentContext(child_id=c0, parent_id=c2)]),
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT  # c2 -> c1 -> c0 -> c2 would be a cycle


def test_get_parent_contexts_by_context(stub: Stub, nodes: Nodes) -> None:
    c0, c1, c2 = nodes.contexts
    _put_parents(stub, (c2, c0), (c2, c1))
    response = stub.GetParentContextsByContext(
        mlmd.GetParentContextsByContextRequest(context_id=c2)
    )
    assert sorted(c.id for c in response.contexts) == [c0, c1]
    orphan = stub.GetParentContextsByContext(mlmd.GetParentContextsByContextRequest(context_id=c0))
    assert list(orphan.contexts) == []


def test_get_children_contexts_by_context(stub: Stub, nodes: Nodes) -> None:
    c0, c1, c2 = nodes.contexts
    _put_parents(stub, (c1, c0), (c2, c0))
    response = stub.GetChildrenContextsByContext(
        mlmd.GetChildrenContextsByContextRequest(context_id=c0)
    )
    assert sorted(c.name for c in response.contexts) == ["c1", "c2"]
    leaf = stub.GetChildrenContextsByContext(
        mlmd.GetChildrenContextsByContextRequest(context_id=c2)
    )
    assert list(leaf.contexts) == []


def test_get_parent_contexts_by_contexts(stub: Stub, nodes: Nodes) -> None:
    c0, c1, c2 = nodes.contexts
    _put_parents(stub, (c1, c0), (c2, c0), (c2, c1))
    response = stub.GetParentContextsByContexts(
        mlmd.GetParentContextsByContextsRequest(context_ids=[c0, c1, c2, 987654])
    )
    # As in MLMD, only contexts that have parents get an entry.
    assert {
        child: sorted(p.id for p in v.parent_contexts) for child, v in response.contexts.items()
    } == {
        c1: [c0],
        c2: [c0, c1],
    }


def test_get_children_contexts_by_contexts(stub: Stub, nodes: Nodes) -> None:
    c0, c1, c2 = nodes.contexts
    _put_parents(stub, (c1, c0), (c2, c0), (c2, c1))
    response = stub.GetChildrenContextsByContexts(
        mlmd.GetChildrenContextsByContextsRequest(context_ids=[c0, c1, c2])
    )
    assert {
        parent: sorted(c.id for c in v.children_contexts) for parent, v in response.contexts.items()
    } == {c0: [c1, c2], c1: [c2]}
