"""PutExecution and the lineage RPCs through the real stub.

Lineage (GetLineageGraph, GetLineageSubgraph, PutLineageSubgraph) and filter
queries are the next issue: while their handlers answer UNIMPLEMENTED, those
tests skip with a reason saying so; once they land, the same tests check them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest

from mdstore.wire import mlmd
from tests.server.conftest import Stub, TypeIds, status_of

NEXT_ISSUE = "lineage queries and filter queries are the next issue"

PairT = mlmd.PutExecutionRequest.ArtifactAndEvent


def _call_or_skip(method: Callable[[Any], Any], request: Any) -> Any:
    try:
        return method(request)
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.UNIMPLEMENTED:
            pytest.skip(f"{NEXT_ISSUE}: {e.details()}")
        raise


def _pipeline(stub: Stub, types: TypeIds) -> Any:
    """data -> train -> model, all in context "p"; returns the PutExecution response."""
    [data] = stub.PutArtifacts(
        mlmd.PutArtifactsRequest(artifacts=[mlmd.Artifact(type_id=types.artifact, uri="/data")])
    ).artifact_ids
    return stub.PutExecution(
        mlmd.PutExecutionRequest(
            execution=mlmd.Execution(type_id=types.execution, name="train"),
            artifact_event_pairs=[
                PairT(
                    artifact=mlmd.Artifact(id=data, type_id=types.artifact, uri="/data"),
                    event=mlmd.Event(type=mlmd.Event.INPUT),
                ),
                PairT(
                    artifact=mlmd.Artifact(type_id=types.artifact, uri="/model"),
                    event=mlmd.Event(type=mlmd.Event.OUTPUT),
                ),
            ],
            contexts=[mlmd.Context(type_id=types.context, name="p")],
        )
    )


def test_put_execution(stub: Stub, types: TypeIds) -> None:
    response = _pipeline(stub, types)
    data, model = response.artifact_ids
    [context] = response.context_ids
    execution = response.execution_id

    events = stub.GetEventsByExecutionIDs(
        mlmd.GetEventsByExecutionIDsRequest(execution_ids=[execution])
    ).events
    assert sorted((e.artifact_id, e.type) for e in events) == [
        (data, mlmd.Event.INPUT),
        (model, mlmd.Event.OUTPUT),
    ]
    attributed = stub.GetArtifactsByContext(mlmd.GetArtifactsByContextRequest(context_id=context))
    assert sorted(a.id for a in attributed.artifacts) == sorted([data, model])
    associated = stub.GetExecutionsByContext(mlmd.GetExecutionsByContextRequest(context_id=context))
    assert [e.id for e in associated.executions] == [execution]


def test_put_execution_context_reuse(stub: Stub, types: TypeIds) -> None:
    first = _pipeline(stub, types)
    again = mlmd.PutExecutionRequest(
        execution=mlmd.Execution(type_id=types.execution, name="train-2"),
        contexts=[mlmd.Context(type_id=types.context, name="p")],
    )
    code, _ = status_of(stub.PutExecution, again)
    assert code == grpc.StatusCode.ALREADY_EXISTS  # the context exists; no reuse asked
    again.options.reuse_context_if_already_exist = True
    reused = stub.PutExecution(again)
    assert list(reused.context_ids) == list(first.context_ids)


def test_put_execution_rejects_misaligned_event(stub: Stub, types: TypeIds) -> None:
    response = _pipeline(stub, types)
    data, model = response.artifact_ids
    request = mlmd.PutExecutionRequest(
        execution=mlmd.Execution(type_id=types.execution),
        artifact_event_pairs=[
            PairT(
                artifact=mlmd.Artifact(id=data, type_id=types.artifact),
                event=mlmd.Event(artifact_id=model, type=mlmd.Event.INPUT),
            )
        ],
    )
    assert status_of(stub.PutExecution, request)[0] == grpc.StatusCode.INVALID_ARGUMENT


def test_put_lineage_subgraph(stub: Stub, types: TypeIds) -> None:
    request = mlmd.PutLineageSubgraphRequest(
        executions=[mlmd.Execution(type_id=types.execution, name="run")],
        artifacts=[
            mlmd.Artifact(type_id=types.artifact, uri="/in"),
            mlmd.Artifact(type_id=types.artifact, uri="/out"),
        ],
        contexts=[mlmd.Context(type_id=types.context, name="ctx")],
        event_edges=[
            mlmd.PutLineageSubgraphRequest.EventEdge(
                execution_index=0, artifact_index=0, event=mlmd.Event(type=mlmd.Event.INPUT)
            ),
            mlmd.PutLineageSubgraphRequest.EventEdge(
                execution_index=0, artifact_index=1, event=mlmd.Event(type=mlmd.Event.OUTPUT)
            ),
        ],
    )
    response = _call_or_skip(stub.PutLineageSubgraph, request)
    assert len(response.execution_ids) == 1
    assert len(response.artifact_ids) == 2
    assert len(response.context_ids) == 1
    events = stub.GetEventsByExecutionIDs(
        mlmd.GetEventsByExecutionIDsRequest(execution_ids=response.execution_ids)
    ).events
    assert sorted((e.artifact_id, e.type) for e in events) == [
        (response.artifact_ids[0], mlmd.Event.INPUT),
        (response.artifact_ids[1], mlmd.Event.OUTPUT),
    ]
    contexts = stub.GetContextsByArtifact(
        mlmd.GetContextsByArtifactRequest(artifact_id=response.artifact_ids[1])
    ).contexts
    assert [c.id for c in contexts] == list(response.context_ids)


def test_get_lineage_graph(stub: Stub, types: TypeIds) -> None:
    response = _pipeline(stub, types)
    options = mlmd.LineageGraphQueryOptions(
        artifacts_options=mlmd.ListOperationOptions(filter_query="uri = '/model'"),
        stop_conditions=mlmd.LineageGraphQueryOptions.BoundaryConstraint(max_num_hops=2),
    )
    graph = _call_or_skip(
        stub.GetLineageGraph, mlmd.GetLineageGraphRequest(options=options)
    ).subgraph
    # MLMD itself answers UNIMPLEMENTED here; mdstore implements it (docs/compatibility.md).
    assert sorted(a.id for a in graph.artifacts) == sorted(response.artifact_ids)
    assert [e.id for e in graph.executions] == [response.execution_id]
    assert len(graph.events) == 2


def test_get_lineage_subgraph(stub: Stub, types: TypeIds) -> None:
    response = _pipeline(stub, types)
    options = mlmd.LineageSubgraphQueryOptions(
        starting_artifacts=mlmd.LineageSubgraphQueryOptions.StartingNodes(
            filter_query="uri = '/model'"
        ),
        max_num_hops=2,
        direction=mlmd.LineageSubgraphQueryOptions.UPSTREAM,
    )
    graph = _call_or_skip(
        stub.GetLineageSubgraph,
        mlmd.GetLineageSubgraphRequest(lineage_subgraph_query_options=options),
    ).lineage_subgraph
    assert sorted(a.id for a in graph.artifacts) == sorted(response.artifact_ids)
    assert [e.id for e in graph.executions] == [response.execution_id]
    assert sorted((e.artifact_id, e.type) for e in graph.events) == sorted(
        zip(response.artifact_ids, [mlmd.Event.INPUT, mlmd.Event.OUTPUT], strict=True)
    )

    nothing = mlmd.LineageSubgraphQueryOptions(
        starting_artifacts=mlmd.LineageSubgraphQueryOptions.StartingNodes(
            filter_query="uri = '/nowhere'"
        ),
        max_num_hops=2,
    )
    code, _ = status_of(
        stub.GetLineageSubgraph,
        mlmd.GetLineageSubgraphRequest(lineage_subgraph_query_options=nothing),
    )
    assert code == grpc.StatusCode.NOT_FOUND  # MLMD: no starting nodes qualify
