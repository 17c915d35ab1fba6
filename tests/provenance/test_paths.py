"""chains: direction, shortest first, simple, at most the limit; limit validation."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdstore.errors import InvalidArgumentError
from mdstore.provenance.graph import LineageGraph, NodeId
from mdstore.provenance.paths import DEFAULT_CHAIN_LIMIT, MAX_CHAIN_LIMIT, chains, check_limit
from tests.provenance.builders import Lineage, make_event, reference_graph
from tests.provenance.test_graph import lineages
from tests.provenance.test_impact import dags


def diamond() -> tuple[LineageGraph, dict[str, NodeId]]:
    """raw -> clean -> {a, b} -> train -> model, plus raw -> quick -> model."""
    lineage = Lineage()
    raw, mid_a, mid_b, model, loose = (lineage.artifact("Data") for _ in range(5))
    clean, a, b, train, quick = (lineage.execution("Step") for _ in range(5))
    lineage.read(clean, raw)
    lineage.write(clean, mid_a)
    lineage.write(clean, mid_b)
    lineage.read(a, mid_a)
    lineage.read(b, mid_b)
    middle = lineage.artifact("Data")
    lineage.write(a, middle)
    lineage.write(b, middle)
    lineage.read(train, middle)
    lineage.write(train, model)
    lineage.read(quick, raw)
    lineage.write(quick, model)
    names = {"raw": raw, "model": model, "loose": loose, "middle": middle}
    nodes = {name: NodeId.artifact(i) for name, i in names.items()}
    return lineage.graph(nodes["loose"]), nodes


def check(graph: LineageGraph, found: list[list[NodeId]], source: NodeId, target: NodeId) -> None:
    """Chains are simple, distinct, run source -> target, and are shortest first."""
    lengths = [len(chain) for chain in found]
    assert lengths == sorted(lengths)
    assert len({tuple(chain) for chain in found}) == len(found)
    for chain in found:
        assert chain[0] == source
        assert chain[-1] == target
        assert len(set(chain)) == len(chain)


def test_downstream_and_upstream() -> None:
    graph, nodes = diamond()
    direction, found = chains(graph, nodes["raw"], nodes["model"])
    assert direction == "downstream"
    assert [len(chain) for chain in found] == [3, 7, 7]
    check(graph, found, nodes["raw"], nodes["model"])
    for chain in found:
        assert all(graph.has_edge(u, v) for u, v in itertools.pairwise(chain))
    direction, back = chains(graph, nodes["model"], nodes["raw"])
    assert direction == "upstream"
    assert back == [chain[::-1] for chain in found]
    for chain in back:  # listed from source to target, so against the edges
        assert all(graph.has_edge(v, u) for u, v in itertools.pairwise(chain))


def test_unconnected_missing_and_same() -> None:
    graph, nodes = diamond()
    assert chains(graph, nodes["raw"], nodes["loose"]) == ("", [])
    assert chains(graph, nodes["raw"], NodeId.artifact(99)) == ("", [])
    assert chains(graph, NodeId.execution(99), nodes["raw"]) == ("", [])
    assert chains(graph, nodes["raw"], nodes["raw"]) == ("downstream", [[nodes["raw"]]])
    # Siblings: connected, but neither made from the other.
    assert chains(graph, NodeId.artifact(2), NodeId.artifact(3)) == ("", [])


def test_at_most_limit_and_the_shortest_kept() -> None:
    graph, nodes = diamond()
    direction, found = chains(graph, nodes["raw"], nodes["model"], limit=2)
    assert direction == "downstream"
    assert [len(chain) for chain in found] == [3, 7]
    assert chains(graph, nodes["raw"], nodes["model"], limit=1)[1] == [found[0]]


@pytest.mark.parametrize("limit", [0, -1, MAX_CHAIN_LIMIT + 1])
def test_limit_out_of_range(limit: int) -> None:
    graph, nodes = diamond()
    with pytest.raises(InvalidArgumentError, match="from 1 to 1000"):
        chains(graph, nodes["raw"], nodes["model"], limit)


@pytest.mark.parametrize("limit", [True, 2.0, "3", None])
def test_limit_not_an_int(limit: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="integer"):
        check_limit(limit)


def test_limits_at_the_edges_of_the_range() -> None:
    check_limit(1)
    check_limit(MAX_CHAIN_LIMIT)
    assert DEFAULT_CHAIN_LIMIT == 10


def test_a_grid_has_more_chains_than_the_default_limit() -> None:
    # Six layers of two artifacts; one step per (artifact, artifact of the next layer).
    lineage = Lineage()
    layers = [[lineage.artifact("Data") for _ in range(2)] for _ in range(6)]
    for before, after in itertools.pairwise(layers):
        for artifact in after:
            for origin in before:
                step = lineage.execution("Step")
                lineage.read(step, origin)
                lineage.write(step, artifact)
    graph = lineage.graph()
    source, target = NodeId.artifact(layers[0][0]), NodeId.artifact(layers[-1][0])
    direction, found = chains(graph, source, target)
    assert direction == "downstream"
    assert len(found) == DEFAULT_CHAIN_LIMIT
    assert all(len(chain) == 11 for chain in found)
    check(graph, found, source, target)
    assert len(chains(graph, source, target, MAX_CHAIN_LIMIT)[1]) == 2**4


def _reference_lengths(events: list[Any], source: NodeId, target: NodeId, k: int) -> list[int]:
    reference = reference_graph(events)
    paths = nx.shortest_simple_paths(reference, source, target)
    return [len(path) for path in itertools.islice(paths, k)]


@settings(max_examples=150, deadline=None)
@given(events=dags(), ends=st.tuples(st.integers(0, 9), st.integers(0, 9)), k=st.integers(1, 6))
def test_acyclic_chains_agree_with_networkx(events: list[Any], ends: Any, k: int) -> None:
    _agree(events, NodeId.artifact(ends[0]), NodeId.artifact(ends[1]), k)


@settings(max_examples=150, deadline=None)
@given(events=lineages(), ends=st.tuples(st.integers(1, 8), st.integers(1, 8)), k=st.integers(1, 6))
def test_chains_with_cycles_agree_with_networkx(events: list[Any], ends: Any, k: int) -> None:
    _agree(events, NodeId.artifact(ends[0]), NodeId.execution(ends[1]), k)


def _agree(events: list[Any], source: NodeId, target: NodeId, k: int) -> None:
    graph = LineageGraph.from_events(events)
    reference = reference_graph(events)
    direction, found = chains(graph, source, target, k)
    if source not in reference or target not in reference:
        assert (direction, found) == ("", [])
        return
    if nx.has_path(reference, source, target):
        assert direction == "downstream"
        assert [len(c) for c in found] == _reference_lengths(events, source, target, k)
        edges = [itertools.pairwise(chain) for chain in found]
    elif nx.has_path(reference, target, source):
        assert direction == "upstream"
        assert [len(c) for c in found] == _reference_lengths(events, target, source, k)
        edges = [((v, u) for u, v in itertools.pairwise(chain)) for chain in found]
    else:
        assert (direction, found) == ("", [])
        return
    check(graph, found, source, target)
    assert all(graph.has_edge(u, v) for pairs in edges for u, v in pairs)


def test_a_cycle_in_the_corridor_still_gives_simple_chains() -> None:
    # An execution that rewrites what it read: raw -> fix -> raw, and fix -> out.
    events = [make_event(1, 1, 3), make_event(1, 1, 4), make_event(2, 1, 4)]
    graph = LineageGraph.from_events(events)
    direction, found = chains(graph, NodeId.artifact(1), NodeId.artifact(2))
    assert direction == "downstream"
    assert found == [[NodeId.artifact(1), NodeId.execution(1), NodeId.artifact(2)]]
