"""Trace, Impact and Path against networkx, on random DAGs, on every backend and
both access paths (embedded and gRPC).

The oracle is networkx over the same events the test wrote: a trace is the
ancestors within the hop limit, an impact the descendants, a path the shortest
path either way. Plus the summary, the end products, paging and bad input.
"""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx  # type: ignore[import-untyped,unused-ignore]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdstore.embedded.store import MetadataStore
from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.wire import v1
from tests.helpers.dags import Dag, answer_edges, answer_nodes, dags, within, write

PROPERTY_RUNS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TAGS = itertools.count()
ARTIFACT = v1.NodeKind.values_by_name["ARTIFACT"].number


@PROPERTY_RUNS
@given(dag=dags(), hops=st.one_of(st.none(), st.integers(0, 6)), pick=st.integers(0, 100))
def test_trace_is_the_ancestors_within_the_hop_limit(
    store: MetadataStore, dag: Dag, hops: int | None, pick: int
) -> None:
    written = write(store, dag, f"trace{next(TAGS)}")
    start = written.artifacts[pick % len(written.artifacts)]
    answer = store.trace(start, max_hops=hops)
    expected = within(written.graph, ("a", start), hops, upstream=True)
    assert answer_nodes(answer.nodes) == expected
    assert answer_edges(answer.nodes) == set(written.graph.subgraph(expected).edges)
    assert answer.total_nodes == len(expected)
    # Every node a put_execution named belongs to the run's context; a source
    # nothing read was only put, into no context.
    linked = written.graph.degree(("a", start)) > 0
    assert [c.id for c in answer.nodes.contexts] == ([written.context] if linked else [])


@PROPERTY_RUNS
@given(dag=dags(), pick=st.integers(0, 100))
def test_trace_summary_sources_and_steps(store: MetadataStore, dag: Dag, pick: int) -> None:
    written = write(store, dag, f"summary{next(TAGS)}")
    start = written.artifacts[pick % len(written.artifacts)]
    summary = store.trace(start).summary
    ancestors = within(written.graph, ("a", start), None, upstream=True)
    sources = {n for n in ancestors if n[0] == "a" and written.graph.in_degree(n) == 0}
    assert {("a", s.artifact_id) for s in summary.sources} == sources
    distance = nx.single_source_shortest_path_length(
        written.graph.reverse(copy=False), ("a", start)
    )
    steps = [(s.execution_id, s.hops) for s in summary.steps]
    assert sorted(steps) == sorted((n[1], d) for n, d in distance.items() if n[0] == "e")
    assert [h for _, h in steps] == sorted(h for _, h in steps), "nearest first"
    assert all(s.state == "COMPLETE" and "index" in s.parameters for s in summary.steps)


@PROPERTY_RUNS
@given(dag=dags(), pick=st.integers(0, 100))
def test_trace_of_an_execution(store: MetadataStore, dag: Dag, pick: int) -> None:
    written = write(store, dag, f"exec{next(TAGS)}")
    start = written.executions[pick % len(written.executions)]
    answer = store.trace(start, execution=True)
    assert answer_nodes(answer.nodes) == within(written.graph, ("e", start), None, upstream=True)


@PROPERTY_RUNS
@given(dag=dags(), pick=st.integers(0, 100))
def test_impact_is_the_descendants_and_its_end_products(
    store: MetadataStore, dag: Dag, pick: int
) -> None:
    written = write(store, dag, f"impact{next(TAGS)}")
    start = written.artifacts[pick % len(written.artifacts)]
    answer = store.impact(start)
    descendants = within(written.graph, ("a", start), None, upstream=False)
    assert answer_nodes(answer.nodes) == descendants
    ends = {
        n for n in descendants - {("a", start)} if n[0] == "a" and written.graph.out_degree(n) == 0
    }
    assert {("a", e.artifact_id) for e in answer.end_products} == ends
    for product in answer.end_products:
        chain = [("a" if r.kind == ARTIFACT else "e", r.id) for r in product.path]
        expected = nx.shortest_path_length(written.graph, ("a", start), ("a", product.artifact_id))
        assert chain[0] == ("a", start)
        assert chain[-1] == ("a", product.artifact_id)
        assert len(chain) - 1 == expected
        assert all(written.graph.has_edge(u, w) for u, w in itertools.pairwise(chain))


@PROPERTY_RUNS
@given(dag=dags(), first=st.integers(0, 100), second=st.integers(0, 100))
def test_path_is_the_shortest_chain_either_way(
    store: MetadataStore, dag: Dag, first: int, second: int
) -> None:
    written = write(store, dag, f"path{next(TAGS)}")
    a = written.artifacts[first % len(written.artifacts)]
    b = written.artifacts[second % len(written.artifacts)]
    answer = store.lineage_path(a, b)
    graph = written.graph
    if nx.has_path(graph, ("a", a), ("a", b)):
        expected = nx.shortest_path_length(graph, ("a", a), ("a", b))
    elif nx.has_path(graph, ("a", b), ("a", a)):
        expected = nx.shortest_path_length(graph, ("a", b), ("a", a))
    else:
        assert list(answer.chains) == []
        return
    assert answer.chains, "connected nodes have a chain"
    lengths = [len(chain.nodes) - 1 for chain in answer.chains]
    assert lengths[0] == expected
    assert lengths == sorted(lengths)
    for chain in answer.chains:
        nodes = [("a" if r.kind == ARTIFACT else "e", r.id) for r in chain.nodes]
        forward = all(graph.has_edge(u, w) for u, w in itertools.pairwise(nodes))
        backward = all(graph.has_edge(w, u) for u, w in itertools.pairwise(nodes))
        assert {nodes[0], nodes[-1]} == {("a", a), ("a", b)}
        assert forward or backward


# ------------------------------------------------------------------ paging


def test_a_trace_over_the_page_size_comes_in_disjoint_pages(
    store: MetadataStore, caller: Any
) -> None:
    written = write(store, Dag(2, tuple(((i,), 1) for i in range(1, 9))), "paged")
    start = written.artifacts[-1]
    whole = store.trace(start)
    request = v1.TraceRequest(
        node=v1.NodeRef(kind=ARTIFACT, id=start), options=v1.WalkOptions(page_size=4)
    )
    seen: list[tuple[str, int]] = []
    pages = 0
    while True:
        page = caller.call("Trace", request)
        nodes = answer_nodes(page.nodes)
        assert len(nodes) <= 4
        assert page.total_nodes == whole.total_nodes
        seen.extend(nodes)
        pages += 1
        if not page.next_page_token:
            break
        request.options.page_token = page.next_page_token
    assert pages == -(-whole.total_nodes // 4)
    assert len(seen) == len(set(seen))
    assert set(seen) == answer_nodes(whole.nodes)
    # A token belongs to its request.
    other = v1.TraceRequest(
        node=v1.NodeRef(kind=ARTIFACT, id=written.artifacts[0]),
        options=v1.WalkOptions(page_size=4, page_token=page_token(caller, start)),
    )
    with pytest.raises(InvalidArgumentError):
        caller.call("Trace", other)


def page_token(caller: Any, start: int) -> str:
    request = v1.TraceRequest(
        node=v1.NodeRef(kind=ARTIFACT, id=start), options=v1.WalkOptions(page_size=4)
    )
    token: str = caller.call("Trace", request).next_page_token
    assert token
    return token


def test_stop_filter_ends_the_walk_at_matching_nodes(store: MetadataStore) -> None:
    written = write(store, Dag(1, tuple(((i,), 1) for i in range(5))), "stops")
    stop = written.artifacts[2]
    answer = store.trace(written.artifacts[-1], stop_at_artifacts=f"id = {stop}")
    assert ("a", stop) in answer_nodes(answer.nodes)
    assert ("a", written.artifacts[1]) not in answer_nodes(answer.nodes)
    # Where the walk stopped, the producer is unknown: not a source.
    assert stop not in {s.artifact_id for s in answer.summary.sources}


# --------------------------------------------------------------- bad input


def test_unknown_nodes_are_not_found(store: MetadataStore) -> None:
    with pytest.raises(NotFoundError):
        store.trace(987_654)
    with pytest.raises(NotFoundError):
        store.trace(987_654, execution=True)
    with pytest.raises(NotFoundError):
        store.impact(987_654)
    written = write(store, Dag(1, (((0,), 1),)), "missing")
    with pytest.raises(NotFoundError):
        store.lineage_path(written.artifacts[0], 987_654)
    with pytest.raises(NotFoundError):
        store.lineage_diff(written.artifacts[0], 987_654)


def test_bad_options_are_invalid_arguments(store: MetadataStore, caller: Any) -> None:
    written = write(store, Dag(1, (((0,), 1),)), "bad")
    start = written.artifacts[-1]
    for call in (
        lambda: store.trace(start, max_hops=-1),
        lambda: store.trace(start, as_of=-5),
        lambda: store.impact(start, max_hops=-2),
        lambda: store.trace(start, stop_at_artifacts="no such ((("),
        lambda: store.trace(start, page_size=-1),
        lambda: store.lineage_path(start, start, max_chains=-1),
        lambda: store.lineage_diff(start, start, as_of=-1),
        lambda: caller.call("Trace", v1.TraceRequest(node=v1.NodeRef(id=start))),
        lambda: caller.call(
            "Trace",
            v1.TraceRequest(
                node=v1.NodeRef(kind=ARTIFACT, id=start),
                options=v1.WalkOptions(page_token="not a token"),
            ),
        ),
    ):
        with pytest.raises(InvalidArgumentError):
            call()


@pytest.mark.embedded_only("the depth is the store's; the bench traces 10,000 over gRPC")
def test_a_deep_chain_is_traced_whole(store: MetadataStore) -> None:
    """No hop cap (MLMD stops at 100): a 600-execution chain, 1,200 hops."""
    written = write(store, Dag(1, tuple(((i,), 1) for i in range(600))), "deep")
    answer = store.trace(written.artifacts[-1])
    assert answer.total_nodes == 1201
    assert [s.artifact_id for s in answer.summary.sources] == [written.artifacts[0]]
    assert max(s.hops for s in answer.summary.steps) == 1199
