"""The recursive-statement walks give what the per-hop walk gives.

``lineage.walk`` runs a whole walk as one recursive statement (no hop limit, or
MariaDB), or "leaps" several hops per statement from narrow frontiers (SQLite and
PostgreSQL); ``lineage.walk_by_hops`` is the reference, one query per hop. Both
must reach the same nodes at the same hop distances, on every backend, for every
direction and hop limit: checked here on random lineages with cycles through
shared artifacts, and on chains long enough for leaps to be cut at their budget.
The graph assembly (one statement, or one per table for long id lists) is checked
the same way through GetLineageSubgraph and GetLineageGraph.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from mdstore.service.dispatch import Service
from mdstore.store.db.schema import event_table as EVENT
from mdstore.store.db.transactions import run_in_transaction
from mdstore.store.lineage import graph_rows, recursive
from mdstore.store.lineage import walk as lineage
from mdstore.store.lineage.model import BIDIRECTIONAL, DOWNSTREAM, UPSTREAM, Limits, Walk
from mdstore.wire import mlmd

DIRECTIONS = (UPSTREAM, DOWNSTREAM, BIDIRECTIONAL)
HOPS = (0, 1, 2, 3, 5, 8, 30, None)
ALL_EVENT_TYPES = (1, 2, 3, 4, 5, 6, 7)
INPUT, OUTPUT = 3, 4


class Lineage:
    """A lineage stored through the API: node ids by index, one context per run."""

    def __init__(self, service: Service, artifacts: int, executions: int) -> None:
        self.service = service
        call = service.call
        a_type = call(
            "PutArtifactType",
            mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType(name="Data")),
        ).type_id
        e_type = call(
            "PutExecutionType",
            mlmd.PutExecutionTypeRequest(execution_type=mlmd.ExecutionType(name="Step")),
        ).type_id
        c_type = call(
            "PutContextType",
            mlmd.PutContextTypeRequest(context_type=mlmd.ContextType(name="Run")),
        ).type_id
        nodes = [mlmd.Artifact(type_id=a_type, uri=f"s3://{i}") for i in range(artifacts)]
        self.artifacts = list(
            call("PutArtifacts", mlmd.PutArtifactsRequest(artifacts=nodes)).artifact_ids
        )
        steps = [mlmd.Execution(type_id=e_type) for _ in range(executions)]
        self.executions = list(
            call("PutExecutions", mlmd.PutExecutionsRequest(executions=steps)).execution_ids
        )
        runs = [mlmd.Context(type_id=c_type, name=f"run{i}") for i in range(3)]
        self.contexts = list(
            call("PutContexts", mlmd.PutContextsRequest(contexts=runs)).context_ids
        )

    def link(self, events: set[tuple[int, int, int]], rng: random.Random) -> None:
        """Stores events (artifact index, execution index, type) and puts most
        nodes in a random context (some in none, so a graph can lack contexts)."""
        put = [
            mlmd.Event(
                artifact_id=self.artifacts[a], execution_id=self.executions[e], type=event_type
            )
            for a, e, event_type in sorted(events)
        ]
        self.service.call("PutEvents", mlmd.PutEventsRequest(events=put))
        request = mlmd.PutAttributionsAndAssociationsRequest(
            attributions=[
                mlmd.Attribution(artifact_id=a, context_id=rng.choice(self.contexts))
                for a in self.artifacts
                if rng.random() < 0.8
            ],
            associations=[
                mlmd.Association(execution_id=e, context_id=rng.choice(self.contexts))
                for e in self.executions
                if rng.random() < 0.8
            ],
        )
        self.service.call("PutAttributionsAndAssociations", request)


def _random_dag(service: Service, seed: int) -> Lineage:
    """Executions read earlier outputs (diamonds: paths of several lengths)."""
    rng = random.Random(seed)
    artifacts, executions = 90, 40
    graph = Lineage(service, artifacts, executions)
    events: set[tuple[int, int, int]] = set()
    made = 5  # artifacts 0-4 are sources
    for e in range(executions):
        for a in rng.sample(range(made), min(made, rng.randint(1, 3))):
            events.add((a, e, INPUT))
        for _ in range(rng.randint(1, 2)):
            if made < artifacts:
                events.add((made, e, OUTPUT))
                made += 1
    graph.link(events, rng)
    return graph


def _random_cyclic(service: Service, seed: int) -> Lineage:
    """Events of every type between random nodes: cycles through shared artifacts,
    an artifact both read and written by one execution, isolated nodes."""
    rng = random.Random(seed)
    artifacts, executions = 60, 30
    graph = Lineage(service, artifacts, executions)
    events = {
        (rng.randrange(artifacts), rng.randrange(executions), rng.choice(ALL_EVENT_TYPES))
        for _ in range(110)
    }
    events |= {(a, a % executions, t) for a in range(0, 12, 3) for t in (INPUT, OUTPUT)}
    graph.link(events, rng)
    return graph


def _chain(service: Service, seed: int) -> Lineage:
    """Step i reads output i and one side input, writes output i + 1: narrow and
    deep, where leaps go furthest (and long enough to cut a small budget)."""
    rng = random.Random(seed)
    steps = 40
    graph = Lineage(service, 2 * steps + 1, steps)
    events = set()
    for e in range(steps):
        events |= {(e, e, INPUT), (steps + 1 + e, e, INPUT), (e + 1, e, OUTPUT)}
    graph.link(events, rng)
    return graph


GRAPHS = {"dag": _random_dag, "cyclic": _random_cyclic, "chain": _chain}


@pytest.fixture(params=sorted(GRAPHS))
def graph(request: pytest.FixtureRequest, service: Service) -> Lineage:
    return GRAPHS[request.param](service, seed=7)


@pytest.fixture(params=["default", "tight"])
def leap_budget(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The shipped leap settings, or tiny budgets (every leap is cut) with leaps
    from any frontier in every direction, so resuming after a cut is exercised."""
    if request.param == "tight":
        monkeypatch.setattr(recursive, "LEAP_FRONTIER", 10**6)
        monkeypatch.setattr(recursive, "LEAP_ROWS", {"sqlite": 3, "postgresql": 3})
        monkeypatch.setattr(
            recursive,
            "leap_flavour",
            lambda flavour, limits: (
                flavour if flavour in recursive.LEAP_ROWS and limits.max_hops is not None else None
            ),
        )
    return str(request.param)


def _starts(graph: Lineage) -> Iterator[tuple[list[int], list[int]]]:
    yield [graph.artifacts[0]], []
    yield [graph.artifacts[len(graph.artifacts) // 2]], []
    yield [graph.artifacts[-1]], []
    yield [], [graph.executions[len(graph.executions) // 3]]
    yield graph.artifacts[1:4], graph.executions[-2:]


def _in_transaction(service: Service, work: Any) -> Any:
    return run_in_transaction(service.database.engine, work, read_only=True)


def test_the_backends_run_recursive_walks(service: Service) -> None:
    """So the comparisons below are not per-hop against per-hop."""
    assert _in_transaction(service, recursive.flavour_of) is not None


def test_walks_match_the_per_hop_walk(graph: Lineage, leap_budget: str) -> None:
    for artifacts, executions in _starts(graph):
        for direction in DIRECTIONS:
            for hops in HOPS:
                limits = Limits(max_hops=hops, direction=direction)
                expected = _walk(graph, lineage.walk_by_hops, artifacts, executions, limits)
                got = _walk(graph, lineage.walk, artifacts, executions, limits)
                case = f"from {artifacts}/{executions}, direction {direction}, hops {hops}"
                assert got.artifacts.keys() == expected.artifacts.keys(), case
                assert got.executions.keys() == expected.executions.keys(), case
                if hops is not None:  # unranked walks carry no distances
                    assert got == expected, case


def test_walks_as_of_a_time_match_the_per_hop_walk(graph: Lineage) -> None:
    """A walk as of a time (recursive statements with recorded_at bounds, bound in
    a different slot order on PostgreSQL) reaches what the per-hop walk reaches
    through the events recorded by then; and ignoring later events matters."""
    # Spread the events over five recording times.
    with graph.service.database.engine.begin() as conn:
        conn.execute(update(EVENT).values(recorded_at=1000 * (1 + EVENT.c.id % 5)))
    differs = False
    for artifacts, executions in _starts(graph):
        for direction in DIRECTIONS:
            for hops in (2, None):
                whole = _walk(graph, lineage.walk, artifacts, executions, Limits(hops, direction))
                for as_of in (999, 2500, 4000, 5000):
                    limits = Limits(max_hops=hops, direction=direction, as_of=as_of)
                    expected = _walk(graph, lineage.walk_by_hops, artifacts, executions, limits)
                    got = _walk(graph, lineage.walk, artifacts, executions, limits)
                    case = f"from {artifacts}/{executions}, {direction}, {hops} hops, {as_of}"
                    assert got.artifacts.keys() == expected.artifacts.keys(), case
                    assert got.executions.keys() == expected.executions.keys(), case
                    differs |= got.artifacts.keys() != whole.artifacts.keys()
    assert differs, "no time cut any walk short: the test graph is too small"


def _walk(
    graph: Lineage, how: Any, artifacts: list[int], executions: list[int], limits: Limits
) -> Walk:
    return _in_transaction(graph.service, lambda conn: how(conn, artifacts, executions, limits))


def _subgraph(
    service: Service, start: int, direction: int, hops: int | None, mask: tuple[str, ...] = ()
) -> Any:
    options = mlmd.LineageSubgraphQueryOptions(direction=direction)  # type: ignore[arg-type]
    if hops is not None:
        options.max_num_hops = hops
    options.starting_artifacts.filter_query = f"id = {start}"
    request = mlmd.GetLineageSubgraphRequest(lineage_subgraph_query_options=options)
    request.read_mask.paths.extend(mask)
    return service.call("GetLineageSubgraph", request)


# read_masks that dehydrate nodes: ml_metadata's client's, and one asking for types.
MASKS = (
    ("artifacts", "executions", "contexts", "events", "attributions", "associations"),
    ("artifacts", "executions", "artifact_types", "execution_types", "context_types"),
)


def _lineage_graph(service: Service, hops: int | None) -> Any:
    options = mlmd.LineageGraphQueryOptions()
    options.artifacts_options.filter_query = "uri = 's3://1' OR uri = 's3://7'"
    if hops is not None:
        options.stop_conditions.max_num_hops = hops
    return service.call("GetLineageGraph", mlmd.GetLineageGraphRequest(options=options))


def _responses(graph: Lineage) -> list[Any]:
    starts = (graph.artifacts[0], graph.artifacts[len(graph.artifacts) // 2], graph.artifacts[-1])
    out = [
        _subgraph(graph.service, start, direction, hops)
        for start in starts
        for direction in DIRECTIONS
        for hops in (1, 4, None)
    ]
    masked = [
        _subgraph(graph.service, start, BIDIRECTIONAL, None, mask)
        for start in starts
        for mask in MASKS
    ]
    return out + masked + [_lineage_graph(graph.service, hops) for hops in (2, None)]


def test_graphs_match_the_per_hop_walk_and_per_table_reads(
    graph: Lineage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole responses: nodes, types, contexts, events and links, in order."""
    fast = _responses(graph)
    with monkeypatch.context() as patched:
        patched.setattr(recursive, "flavour_of", lambda conn: None)
        assert _responses(graph) == fast
    with monkeypatch.context() as patched:
        patched.setattr(graph_rows, "CHUNK", 2)  # id lists too long for one statement
        assert _responses(graph) == fast


def test_a_walk_without_starting_nodes_is_empty(service: Service) -> None:
    for limits in (Limits(), Limits(max_hops=3, direction=UPSTREAM)):
        walked = _in_transaction(service, lambda c, lim=limits: lineage.walk(c, [], [], lim))
        assert walked.size() == 0
