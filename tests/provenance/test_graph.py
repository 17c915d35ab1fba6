"""LineageGraph: its walks agree with networkx's own functions on random lineages."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdstore.errors import InvalidArgumentError
from mdstore.provenance.graph import (
    BOTH,
    DOWNSTREAM,
    UPSTREAM,
    LineageGraph,
    Link,
    NodeId,
    check_depth,
    event_path,
    from_ref,
    to_ref,
)
from mdstore.wire import mlmd, v1
from tests.provenance.builders import INPUT, OUTPUT, Lineage, make_event, reference_graph

EVENT_TYPES = [number for _, number in mlmd.Event.Type.items()]


@st.composite
def lineages(draw: st.DrawFn) -> list[Any]:
    """Random events over up to 8 artifacts and 8 executions, every event type
    (cycles through shared artifacts included)."""
    pairs = st.tuples(st.integers(1, 8), st.integers(1, 8), st.sampled_from(EVENT_TYPES))
    return [make_event(a, e, kind) for a, e, kind in draw(st.lists(pairs, max_size=40))]


def _start(draw_events: list[Any], pick: int) -> NodeId:
    """A node of one of the events: its artifact when ``pick`` is odd, else its execution."""
    if not draw_events:
        return NodeId.artifact(1)
    event = draw_events[pick % len(draw_events)]
    return NodeId.artifact(event.artifact_id) if pick % 2 else NodeId.execution(event.execution_id)


DEPTHS = st.one_of(st.none(), st.integers(0, 6))


@settings(max_examples=200, deadline=None)
@given(events=lineages(), pick=st.integers(0, 100), depth=DEPTHS)
def test_walks_agree_with_networkx(events: list[Any], pick: int, depth: int | None) -> None:
    graph = LineageGraph.from_events(events)
    expected = reference_graph(events)
    start = _start(events, pick)
    if start not in expected:
        assert graph.ancestors(start, depth) == set() == graph.descendants(start, depth)
        assert graph.distances(start, UPSTREAM, depth) == {start: 0}
        return
    down = nx.single_source_shortest_path_length(expected, start, cutoff=depth)
    up = nx.single_source_shortest_path_length(expected.reverse(), start, cutoff=depth)
    either = nx.single_source_shortest_path_length(expected.to_undirected(), start, cutoff=depth)
    assert graph.distances(start, DOWNSTREAM, depth) == down
    assert graph.distances(start, UPSTREAM, depth) == up
    assert graph.distances(start, BOTH, depth) == either
    assert graph.descendants(start, depth) == set(down) - {start}
    assert graph.ancestors(start, depth) == set(up) - {start}
    if depth is None:
        assert graph.descendants(start) == nx.descendants(expected, start)
        assert graph.ancestors(start) == nx.ancestors(expected, start)
    assert set(graph.nodes()) == set(expected.nodes)
    assert graph.edge_count() == expected.number_of_edges()
    for node in expected.nodes:
        assert set(graph.successors(node)) == set(expected.successors(node))
        assert set(graph.predecessors(node)) == set(expected.predecessors(node))
        assert graph.in_degree(node) == expected.in_degree(node)
        assert graph.out_degree(node) == expected.out_degree(node)
        for successor in expected.successors(node):
            assert graph.has_edge(node, successor)


@settings(max_examples=100, deadline=None)
@given(events=lineages(), pick=st.integers(0, 100), stops=st.sets(st.integers(1, 8)))
def test_distances_do_not_walk_past_stops(events: list[Any], pick: int, stops: set[int]) -> None:
    graph = LineageGraph.from_events(events)
    start = _start(events, pick)
    stop = {NodeId.artifact(i) for i in stops}
    expected = reference_graph(events).reverse()
    if start not in expected:
        return
    # A stop node keeps its incoming edges (it is reached) but loses its outgoing ones.
    expected.remove_edges_from([(u, v) for u, v in expected.edges if u in stop and u != start])
    found = graph.distances(start, UPSTREAM, stop=stop)
    assert found == nx.single_source_shortest_path_length(expected, start)


@pytest.mark.parametrize("depth", [-1, -100])
def test_negative_depth_is_invalid(depth: int) -> None:
    graph = LineageGraph.from_events([make_event(1, 1, INPUT)])
    node = NodeId.artifact(1)
    for call in (graph.ancestors, graph.descendants):
        with pytest.raises(InvalidArgumentError, match="at least 0"):
            call(node, depth)
    with pytest.raises(InvalidArgumentError, match="at least 0"):
        graph.distances(node, BOTH, depth)


@pytest.mark.parametrize("depth", [1.5, "2", True])
def test_non_integer_depth_is_invalid(depth: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="integer"):
        check_depth(depth)


def test_zero_depth_reaches_nothing() -> None:
    graph = LineageGraph.from_events([make_event(1, 1, INPUT), make_event(2, 1, OUTPUT)])
    assert graph.descendants(NodeId.artifact(1), 0) == set()
    assert graph.descendants(NodeId.artifact(1), 1) == {NodeId.execution(1)}
    assert graph.descendants(NodeId.artifact(1)) == {NodeId.execution(1), NodeId.artifact(2)}


def test_unknown_direction_is_invalid() -> None:
    graph = LineageGraph.from_events([make_event(1, 1, INPUT)])
    with pytest.raises(InvalidArgumentError, match="direction"):
        graph.distances(NodeId.artifact(1), "sideways")  # type: ignore[arg-type]


def test_links_keep_event_type_path_and_order() -> None:
    lineage = Lineage()
    train, test = lineage.artifact("Dataset"), lineage.artifact("Dataset")
    trainer = lineage.execution("Trainer")
    model = lineage.artifact("Model")
    lineage.read(trainer, test, "eval")
    lineage.read(trainer, train, "train", 0)
    lineage.read(trainer, train, "also")  # the same artifact under a second path
    lineage.write(trainer, model, "model")
    graph = lineage.graph()
    execution = NodeId.execution(trainer)
    assert graph.inputs(execution) == [
        Link(NodeId.artifact(test), INPUT, ("eval",), 0),
        Link(NodeId.artifact(train), INPUT, ("train", 0), 1),
        Link(NodeId.artifact(train), INPUT, ("also",), 2),
    ]
    assert graph.outputs(execution) == [Link(NodeId.artifact(model), OUTPUT, ("model",), 3)]
    assert graph.producers(NodeId.artifact(model)) == [Link(execution, OUTPUT, ("model",), 3)]
    assert graph.consumers(NodeId.artifact(train)) == [
        Link(execution, INPUT, ("train", 0), 1),
        Link(execution, INPUT, ("also",), 2),
    ]
    assert graph.producers(NodeId.artifact(train)) == []
    assert graph.inputs(NodeId.execution(99)) == []
    assert [e.order for e in graph.edge_events(NodeId.artifact(train), execution)] == [1, 2]
    assert graph.edge_events(execution, NodeId.artifact(train)) == []
    assert graph.has_edge(NodeId.artifact(train), execution)
    assert not graph.has_edge(execution, NodeId.artifact(train))


def test_unknown_events_and_extra_nodes_add_nodes_without_edges() -> None:
    graph = LineageGraph.from_events(
        [make_event(1, 1, mlmd.Event.Type.Value("UNKNOWN"))], nodes=[NodeId.artifact(7)]
    )
    assert set(graph.nodes()) == {NodeId.artifact(1), NodeId.execution(1), NodeId.artifact(7)}
    assert graph.edge_count() == 0
    assert len(graph) == 3
    assert NodeId.artifact(7) in graph
    assert graph.in_degree(NodeId.artifact(8)) == graph.out_degree(NodeId.artifact(8)) == 0


def test_every_direction_maps_both_ways() -> None:
    graph = LineageGraph.from_events(
        [make_event(1, 1, kind) for kind in EVENT_TYPES if kind]
        + [make_event(2, 2, kind) for kind in EVENT_TYPES if kind]
    )
    assert graph.has_edge(NodeId.artifact(1), NodeId.execution(1))
    assert graph.has_edge(NodeId.execution(1), NodeId.artifact(1))
    kinds = {event.type for event in graph.edge_events(NodeId.artifact(2), NodeId.execution(2))}
    assert kinds == {
        mlmd.Event.Type.Value(n) for n in ("DECLARED_INPUT", "INPUT", "INTERNAL_INPUT")
    }


def test_node_refs_round_trip() -> None:
    for node in (NodeId.artifact(3), NodeId.execution(4)):
        assert from_ref(to_ref(node)) == node
    assert to_ref(NodeId.artifact(3)).kind == v1.NodeKind.values_by_name["ARTIFACT"].number
    assert to_ref(NodeId.execution(4)).kind == v1.NodeKind.values_by_name["EXECUTION"].number
    context = v1.NodeRef(kind=v1.NodeKind.values_by_name["CONTEXT"].number, id=1)
    with pytest.raises(InvalidArgumentError, match="not CONTEXT"):
        from_ref(context)
    with pytest.raises(InvalidArgumentError, match="not NODE_KIND_UNSPECIFIED"):
        from_ref(v1.NodeRef(id=1))


def test_event_path_reads_keys_and_indices() -> None:
    assert event_path(make_event(1, 1, INPUT, ["examples", 2, ""])) == ("examples", 2, "")
    assert event_path(make_event(1, 1, INPUT)) == ()


def test_neighbours_come_in_the_order_of_their_first_event() -> None:
    lineage = Lineage()
    data = [lineage.artifact("Data") for _ in range(3)]
    step = lineage.execution("Step")
    for artifact in (data[2], data[0], data[2], data[1]):
        lineage.read(step, artifact)
    for artifact in (data[1], data[0]):
        lineage.write(step, artifact)
    graph = lineage.graph()
    node = NodeId.execution(step)
    assert graph.predecessors(node) == [NodeId.artifact(i) for i in (data[2], data[0], data[1])]
    assert graph.successors(node) == [NodeId.artifact(i) for i in (data[1], data[0])]
    # A downstream walk breaks ties by the order of the events.
    assert [child for _, child in graph.bfs_edges(node, DOWNSTREAM)] == graph.successors(node)


def test_a_subgraph_keeps_only_its_nodes_and_links() -> None:
    lineage = Lineage()
    raw, mid, out = (lineage.artifact("Data") for _ in range(3))
    first, second = lineage.execution("Step"), lineage.execution("Step")
    lineage.read(first, raw)
    lineage.write(first, mid)
    lineage.read(second, mid)
    lineage.write(second, out)
    graph = lineage.graph()
    inside = graph.subgraph([NodeId.artifact(mid), NodeId.execution(second), NodeId.artifact(out)])
    assert inside.nodes() == [NodeId.artifact(mid), NodeId.execution(second), NodeId.artifact(out)]
    assert inside.producers(NodeId.artifact(mid)) == []
    assert inside.ancestors(NodeId.artifact(out)) == {
        NodeId.artifact(mid),
        NodeId.execution(second),
    }
    assert inside.edge_count() == 2
    assert graph.edge_count() == 4


def test_shortest_simple_paths_of_missing_or_unconnected_nodes() -> None:
    graph = LineageGraph.from_events([make_event(1, 1, INPUT), make_event(2, 2, INPUT)])
    assert list(graph.shortest_simple_paths(NodeId.artifact(1), NodeId.artifact(9))) == []
    assert list(graph.shortest_simple_paths(NodeId.artifact(9), NodeId.artifact(1))) == []
    assert list(graph.shortest_simple_paths(NodeId.artifact(1), NodeId.execution(2))) == []
    assert list(graph.shortest_simple_paths(NodeId.artifact(1), NodeId.execution(1))) == [
        [NodeId.artifact(1), NodeId.execution(1)]
    ]
    assert graph.is_acyclic()
