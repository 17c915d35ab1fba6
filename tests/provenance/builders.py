"""Hand-built lineages for the provenance tests: messages, events, graphs, pipelines.

``Lineage`` builds artifacts, executions and events by hand with ids assigned in
order. ``pipelines()`` is a hypothesis strategy for random pipelines, and
``cosmetic_copy`` a copy of a lineage that differs only in what a diff ignores.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from hypothesis import strategies as st

from mdstore.provenance.diff import Subgraph
from mdstore.provenance.graph import LineageGraph, NodeId
from mdstore.wire import mlmd
from mdstore.wire.event_types import INPUT_EVENTS

INPUT = mlmd.Event.Type.Value("INPUT")
OUTPUT = mlmd.Event.Type.Value("OUTPUT")
COMPLETE = mlmd.Execution.State.Value("COMPLETE")
LIVE = mlmd.Artifact.State.Value("LIVE")


def value(python: Any) -> Any:
    """An ``ml_metadata.Value`` holding a Python bool, int, float or str."""
    if isinstance(python, bool):
        return mlmd.Value(bool_value=python)
    if isinstance(python, int):
        return mlmd.Value(int_value=python)
    if isinstance(python, float):
        return mlmd.Value(double_value=python)
    return mlmd.Value(string_value=python)


def fill(target: Any, values: Mapping[str, Any] | None) -> None:
    """Sets a message's property map from Python values."""
    for name, python in (values or {}).items():
        target[name].CopyFrom(value(python))


def make_event(
    artifact: int, execution: int, kind: int, path: Iterable[str | int] = (), millis: int = 0
) -> Any:
    """An ``ml_metadata.Event`` with its path steps (str: key, int: index)."""
    event = mlmd.Event(
        artifact_id=artifact, execution_id=execution, type=kind, milliseconds_since_epoch=millis
    )
    for step in path:
        if isinstance(step, str):
            event.path.steps.add(key=step)
        else:
            event.path.steps.add(index=step)
    return event


@dataclass
class Lineage:
    """Artifacts, executions and events built by hand; ids count up from 1."""

    artifacts: dict[int, Any] = field(default_factory=dict)
    executions: dict[int, Any] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)

    def artifact(
        self,
        type_name: str,
        *,
        uri: str = "",
        name: str = "",
        properties: Mapping[str, Any] | None = None,
        custom: Mapping[str, Any] | None = None,
        state: int = LIVE,
    ) -> int:
        """Adds an artifact; returns its id."""
        artifact_id = len(self.artifacts) + 1
        artifact = mlmd.Artifact(id=artifact_id, type=type_name, uri=uri, name=name, state=state)
        fill(artifact.properties, properties)
        fill(artifact.custom_properties, custom)
        self.artifacts[artifact_id] = artifact
        return artifact_id

    def execution(
        self,
        type_name: str,
        *,
        name: str = "",
        properties: Mapping[str, Any] | None = None,
        custom: Mapping[str, Any] | None = None,
        state: int = COMPLETE,
    ) -> int:
        """Adds an execution; returns its id."""
        execution_id = len(self.executions) + 1
        execution = mlmd.Execution(
            id=execution_id, type=type_name, name=name, last_known_state=state
        )
        fill(execution.properties, properties)
        fill(execution.custom_properties, custom)
        self.executions[execution_id] = execution
        return execution_id

    def read(self, execution: int, artifact: int, *path: str | int) -> None:
        """Records an INPUT event."""
        self.events.append(make_event(artifact, execution, INPUT, path))

    def write(self, execution: int, artifact: int, *path: str | int) -> None:
        """Records an OUTPUT event."""
        self.events.append(make_event(artifact, execution, OUTPUT, path))

    def graph(self, *nodes: NodeId) -> LineageGraph:
        """The lineage graph of the events so far."""
        return LineageGraph.from_events(self.events, nodes)

    def subgraph(self, root: int) -> Subgraph:
        """The whole lineage as a diff's ``Subgraph`` of ``root``."""
        return Subgraph(root, dict(self.artifacts), dict(self.executions), list(self.events))


def reference_graph(events: Iterable[Any]) -> nx.DiGraph:
    """The networkx graph of events, built independently of the code under test."""
    graph = nx.DiGraph()
    for event in events:
        artifact, execution = ("artifact", event.artifact_id), ("execution", event.execution_id)
        graph.add_node(artifact)
        graph.add_node(execution)
        if event.type in INPUT_EVENTS:
            graph.add_edge(artifact, execution)
        elif event.type:
            graph.add_edge(execution, artifact)
    return graph


# ---------------------------------------------------------------- random pipelines

ARTIFACT_TYPES = ("Dataset", "Examples", "Schema", "Model")
STEP_TYPES = ("Ingest", "Transform", "Trainer")
PARAMETER_NAMES = ("lr", "epochs", "seed", "mode")
KEYS = ("train", "eval", "examples")


@dataclass
class Step:
    """One execution of a random pipeline: what it reads (artifact index, event
    path) and the types of what it writes."""

    type_name: str
    inputs: list[tuple[int, tuple[str | int, ...]]]
    outputs: list[str]
    parameters: dict[str, Any]


@dataclass
class Pipeline:
    """A random pipeline: source artifact types, then steps in run order."""

    sources: list[str]
    steps: list[Step]

    def lineage(self) -> Lineage:
        """The pipeline run once; the root is the last artifact written."""
        built = Lineage()
        for number, type_name in enumerate(self.sources):
            built.artifact(type_name, uri=f"s3://raw/{number}", custom={"sha256": f"d{number}"})
        for number, step in enumerate(self.steps):
            execution = built.execution(step.type_name, name=f"run-{number}")
            fill(built.executions[execution].properties, step.parameters)
            for artifact_index, path in step.inputs:
                built.read(execution, artifact_index + 1, *path)
            for type_name in step.outputs:
                artifact = built.artifact(type_name, uri=f"s3://out/{number}/{type_name}")
                built.write(execution, artifact)
        return built


_VALUES = st.one_of(
    st.integers(-5, 5), st.sampled_from(["a", "b"]), st.booleans(), st.sampled_from([0.5, 1.5])
)


@st.composite
def pipelines(draw: st.DrawFn) -> Pipeline:
    """Random pipelines: 1-4 sources, 1-6 steps, each reading 1-3 earlier artifacts
    (same types and same paths collide on purpose) and writing 1-2."""
    sources = draw(st.lists(st.sampled_from(ARTIFACT_TYPES), min_size=1, max_size=4))
    count = len(sources)
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        paths = st.one_of(
            st.just(()), st.tuples(st.sampled_from(KEYS)), st.tuples(st.integers(0, 1))
        )
        reads = draw(st.lists(st.tuples(st.integers(0, count - 1), paths), min_size=1, max_size=3))
        writes = draw(st.lists(st.sampled_from(ARTIFACT_TYPES), min_size=1, max_size=2))
        params = draw(st.dictionaries(st.sampled_from(PARAMETER_NAMES), _VALUES, max_size=3))
        steps.append(Step(draw(st.sampled_from(STEP_TYPES)), reads, writes, params))
        count += len(writes)
    return Pipeline(sources, steps)


def upstream_of_root(subgraph: Subgraph) -> tuple[list[int], list[int]]:
    """The artifact and execution ids upstream of the root (networkx's view), sorted."""
    graph = reference_graph(subgraph.events)
    root = ("artifact", subgraph.root)
    found = nx.ancestors(graph, root) if root in graph else set()
    artifacts = sorted(node[1] for node in found if node[0] == "artifact")
    executions = sorted(node[1] for node in found if node[0] == "execution")
    return artifacts, executions


def producers(subgraph: Subgraph) -> set[int]:
    """Artifacts some event says an execution output."""
    return {event.artifact_id for event in subgraph.events if event.type not in INPUT_EVENTS}


def cosmetic_copy(subgraph: Subgraph, seed: int) -> Subgraph:
    """A copy differing only in what a diff ignores.

    New ids (shuffled), names, times and states everywhere; new uris, names and
    digests for intermediate artifacts and the root; changed mdstore.*
    bookkeeping; the root's own properties changed. Event order is kept.
    """
    rng = random.Random(seed)
    artifact_ids = _shuffled_ids(subgraph.artifacts, rng)
    execution_ids = _shuffled_ids(subgraph.executions, rng)
    produced = producers(subgraph)
    artifacts = {}
    for old_id, artifact in subgraph.artifacts.items():
        copy = mlmd.Artifact()
        copy.CopyFrom(artifact)
        copy.id, copy.name = artifact_ids[old_id], f"renamed-{rng.random()}"
        copy.create_time_since_epoch = rng.randrange(1, 10**12)
        copy.state = mlmd.Artifact.State.Value("DELETED")
        copy.custom_properties["mdstore.state"].string_value = "x"
        if old_id in produced or old_id == subgraph.root:
            copy.uri = f"gs://elsewhere/{rng.random()}"
            copy.custom_properties["sha256"].string_value = f"other-{rng.random()}"
        if old_id == subgraph.root:
            copy.properties["accuracy"].double_value = rng.random()
        artifacts[copy.id] = copy
    executions = {}
    for old_id, execution in subgraph.executions.items():
        copy = mlmd.Execution()
        copy.CopyFrom(execution)
        copy.id, copy.name = execution_ids[old_id], f"renamed-{rng.random()}"
        copy.last_known_state = mlmd.Execution.State.Value("FAILED")
        copy.last_update_time_since_epoch = rng.randrange(1, 10**12)
        copy.custom_properties["mdstore.deleted_at"].int_value = rng.randrange(10**9)
        executions[copy.id] = copy
    events = []
    for event in subgraph.events:
        copy = mlmd.Event()
        copy.CopyFrom(event)
        copy.artifact_id = artifact_ids[event.artifact_id]
        copy.execution_id = execution_ids[event.execution_id]
        copy.milliseconds_since_epoch = rng.randrange(1, 10**12)
        events.append(copy)
    return Subgraph(artifact_ids[subgraph.root], artifacts, executions, events)


def _shuffled_ids(nodes: Mapping[int, Any], rng: random.Random) -> dict[int, int]:
    new_ids = rng.sample(range(1000, 1000 + 10 * len(nodes) + 1), len(nodes))
    return dict(zip(nodes, new_ids, strict=True))
