"""Random lineage DAGs for the provenance tests, written through ``MetadataStore``.

A DAG starts from a few source artifacts; each execution reads some existing
artifacts and writes one or two new ones (one ``put_execution`` each), so the
events never form a cycle. ``written`` returns the networkx graph of the same
events (artifact -> execution for inputs, execution -> artifact for outputs) with
nodes ``("a", id)`` and ``("e", id)``, the oracle the answers are compared with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx  # type: ignore[import-untyped,unused-ignore]
from hypothesis import strategies as st

from mdstore.wire import mlmd
from tests.helpers.types import INT

Node = tuple[str, int]


@dataclass(frozen=True)
class Dag:
    """Sources, then executions as (input indexes, number of outputs)."""

    sources: int
    steps: tuple[tuple[tuple[int, ...], int], ...]


@st.composite
def dags(draw: Any, max_steps: int = 7) -> Dag:
    """A random DAG of 1-3 sources and 1-``max_steps`` executions."""
    sources = draw(st.integers(1, 3))
    available = sources
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        inputs = draw(st.lists(st.integers(0, available - 1), min_size=1, max_size=3, unique=True))
        outputs = draw(st.integers(1, 2))
        steps.append((tuple(sorted(inputs)), outputs))
        available += outputs
    return Dag(sources, tuple(steps))


@dataclass
class Written:
    """A DAG as stored: artifact ids by index, execution ids, the oracle graph."""

    artifacts: list[int] = field(default_factory=list)
    executions: list[int] = field(default_factory=list)
    context: int = 0
    graph: Any = field(default_factory=nx.DiGraph)


def lineage_types(store: Any) -> tuple[int, int, int]:
    """The (artifact, execution, context) type ids the DAGs use (idempotent)."""
    step = mlmd.ExecutionType(name="DagStep")
    step.properties["index"] = INT
    return (
        store.put_artifact_type(mlmd.ArtifactType(name="DagData")),
        store.put_execution_type(step),
        store.put_context_type(mlmd.ContextType(name="DagRun")),
    )


def write(store: Any, dag: Dag, tag: str) -> Written:
    """Stores ``dag``; ``tag`` keeps names unique across DAGs in one store."""
    artifact_type, execution_type, context_type = lineage_types(store)
    out = Written()
    sources = [
        mlmd.Artifact(type_id=artifact_type, uri=f"s3://{tag}/source/{i}")
        for i in range(dag.sources)
    ]
    out.artifacts = list(store.put_artifacts(sources))
    [out.context] = store.put_contexts([mlmd.Context(type_id=context_type, name=f"run-{tag}")])
    context = mlmd.Context(id=out.context, type_id=context_type, name=f"run-{tag}")
    for number, (inputs, outputs) in enumerate(dag.steps):
        execution = mlmd.Execution(type_id=execution_type, last_known_state=mlmd.Execution.COMPLETE)
        execution.properties["index"].int_value = number
        # put_execution upserts its artifacts: inputs go whole, or their uris are cleared.
        read = store.get_artifacts_by_id([out.artifacts[i] for i in inputs])
        pairs = [(artifact, _event(mlmd.Event.INPUT)) for artifact in read]
        pairs += [
            (
                mlmd.Artifact(type_id=artifact_type, uri=f"s3://{tag}/{number}/{k}"),
                _event(mlmd.Event.OUTPUT),
            )
            for k in range(outputs)
        ]
        execution_id, artifact_ids, _ = store.put_execution(execution, pairs, [context])
        out.executions.append(execution_id)
        new = list(artifact_ids)[len(inputs) :]
        out.artifacts.extend(new)
        for i in inputs:
            out.graph.add_edge(("a", out.artifacts[i]), ("e", execution_id))
        for artifact_id in new:
            out.graph.add_edge(("e", execution_id), ("a", artifact_id))
    for artifact_id in out.artifacts:
        out.graph.add_node(("a", artifact_id))
    return out


def _event(kind: int) -> Any:
    return mlmd.Event(type=kind)  # type: ignore[arg-type]


def answer_nodes(nodes: Any) -> set[Node]:
    """The ``("a"|"e", id)`` nodes of a ``v1.LineageNodes``."""
    return {("a", a.id) for a in nodes.artifacts} | {("e", e.id) for e in nodes.executions}


def answer_edges(nodes: Any) -> set[tuple[Node, Node]]:
    """The oracle-shaped edges of a ``v1.LineageNodes``'s events."""
    edges = set()
    for event in nodes.events:
        artifact, execution = ("a", event.artifact_id), ("e", event.execution_id)
        edges.add(
            (artifact, execution) if event.type == mlmd.Event.INPUT else (execution, artifact)
        )
    return edges


def within(graph: Any, start: Node, hops: int | None, upstream: bool) -> set[Node]:
    """The oracle: nodes within ``hops`` of ``start`` (itself included)."""
    walked = graph.reverse(copy=False) if upstream else graph
    return set(nx.single_source_shortest_path_length(walked, start, cutoff=hops))
