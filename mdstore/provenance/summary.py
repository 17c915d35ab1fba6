"""A trace's summary: where the data came from, what ran, and which code.

The summary covers one page of a trace's answer (the nodes given), while the
graph is the whole answer's topology: whether an artifact has a producer, and
how far a step is from the traced node, are read from the whole answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any, Final

from mdstore.provenance.code_refs import names_code
from mdstore.provenance.graph import (
    ARTIFACT,
    EXECUTION,
    UPSTREAM,
    Direction,
    LineageGraph,
    NodeId,
)
from mdstore.provenance.values import digest, parameters, text
from mdstore.wire import mlmd, v1

DELETED: Final = "DELETED"
"""A tombstoned step's state."""
UNREACHED: Final = -1
"""A step's hops when the graph does not connect it to the traced node."""

_DELETED_ARTIFACT: Final[int] = mlmd.Artifact.State.Value("DELETED")


def trace_summary(
    graph: LineageGraph,
    start: NodeId,
    artifacts: Mapping[int, Any],
    executions: Mapping[int, Any],
    tombstones: Mapping[NodeId, Any],
    truncated: Set[NodeId] = frozenset(),
    *,
    direction: Direction = UPSTREAM,
    hops: Mapping[NodeId, int] | None = None,
) -> Any:
    """Summarizes a page of a trace as a ``mdstore.v1.TraceSummary``.

    Args:
        graph: the whole answer's topology (every page's nodes and events).
        start: the traced node.
        artifacts: this page's ``ml_metadata.Artifact`` messages by id.
        executions: this page's ``ml_metadata.Execution`` messages by id.
        tombstones: ``mdstore.v1.Tombstone`` of the deleted nodes, by node.
        truncated: nodes the walk reached but did not go past (hop limit, stop
            filter): their producers are unknown, so they are not sources, and
            hops are not counted through them.
        direction: the walk's direction, which hops are counted along: UPSTREAM
            (a trace of what made the node), DOWNSTREAM, or BOTH (a
            bidirectional walk, where each hop may go either way).
        hops: ``graph.distances(start, direction, stop=truncated)`` when the
            caller has it already.

    Returns:
        ``sources``: the given artifacts no execution in the graph produced (and
        not truncated), by id. ``steps``: the given executions, nearest first,
        then by id; executions the walk does not reach come last with hops -1.
        ``code``: the steps' code references (``code_refs``), in step order, then
        by property name.
    """
    if hops is None:
        hops = graph.distances(start, direction, stop=truncated)

    def nearest_first(execution_id: int) -> tuple[bool, int, int]:
        found = hops.get(NodeId(EXECUTION, execution_id))
        return (found is None, found or 0, execution_id)

    summary = v1.TraceSummary()
    _add_sources(summary.sources, graph, artifacts, tombstones, truncated)
    steps, code = summary.steps, summary.code
    for execution_id in sorted(executions, key=nearest_first):
        execution = executions[execution_id]
        node = NodeId(EXECUTION, execution_id)
        params = parameters(execution)
        # add(), not append(): append copies the message it is given.
        steps.add(
            execution_id=execution_id,
            type=execution.type,
            name=execution.name,
            state=DELETED if node in tombstones else _state(execution),
            parameters=params,
            hops=hops.get(node, UNREACHED),
        )
        _add_code(code, execution_id, params)
    return summary


def _add_sources(
    sources: Any,
    graph: LineageGraph,
    artifacts: Mapping[int, Any],
    tombstones: Mapping[NodeId, Any],
    truncated: Set[NodeId],
) -> None:
    """Adds the sources among ``artifacts``; only those are read (``artifacts`` may
    parse each node when first read)."""
    for artifact_id in sorted(artifacts):
        node = NodeId(ARTIFACT, artifact_id)
        if node in truncated or graph.has_predecessors(node):
            continue
        artifact = artifacts[artifact_id]
        sources.add(
            artifact_id=artifact_id,
            type=artifact.type,
            name=artifact.name,
            uri=artifact.uri,
            digest=digest(artifact),
            deleted=node in tombstones or artifact.state == _DELETED_ARTIFACT,
        )


def _state(execution: Any) -> str:
    # ml_metadata's enums are closed (proto2): an unknown number never reaches here.
    return str(mlmd.Execution.State.Name(execution.last_known_state))


def _add_code(code: Any, execution_id: int, params: Mapping[str, Any]) -> None:
    for name in sorted(params):
        if names_code(name):
            value = text(params[name])
            if value:
                code.add(execution_id=execution_id, property=name, value=value)
