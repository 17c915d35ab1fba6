"""GetLineageGraph and GetLineageSubgraph beyond what ml-metadata's suite covers.

The graph most tests use (artifacts a_*, executions e_*; arrows are events)::

    in ──INPUT──▶ e1 ──OUTPUT──▶ x ──INPUT──▶ e3 ──OUTPUT──▶ out
    in ──INPUT──▶ e2 ──OUTPUT──▶ y ──INPUT──▶ e3
    side ─INPUT─▶ e2

A diamond (in → e1/e2 → x/y → e3) with a side input on one branch. Context "run"
is attributed to ``in`` and associated with ``e1``.
"""

from __future__ import annotations

from typing import Any

import pytest

from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.wire import mlmd

UP, DOWN, BOTH = 1, 2, 3
ARTIFACTS = ("in", "x", "y", "out", "side")
EXECUTIONS = ("e1", "e2", "e3")
EDGES = [  # (artifact, execution, event type)
    ("in", "e1", mlmd.Event.INPUT),
    ("x", "e1", mlmd.Event.OUTPUT),
    ("in", "e2", mlmd.Event.INPUT),
    ("side", "e2", mlmd.Event.INPUT),
    ("y", "e2", mlmd.Event.OUTPUT),
    ("x", "e3", mlmd.Event.INPUT),
    ("y", "e3", mlmd.Event.INPUT),
    ("out", "e3", mlmd.Event.OUTPUT),
]


class Graph:
    """Node ids by name, and the names of a returned LineageGraph's nodes."""

    def __init__(self, ids: dict[str, int]) -> None:
        self.ids = ids
        # Artifact and execution ids overlap: one map per kind.
        self.artifact = {ids[k]: k for k in ARTIFACTS}
        self.execution = {ids[k]: k for k in EXECUTIONS}

    def nodes(self, graph: Any) -> set[str]:
        return {self.artifact[a.id] for a in graph.artifacts} | {
            self.execution[e.id] for e in graph.executions
        }

    def edges(self, graph: Any) -> set[tuple[str, str]]:
        return {
            (self.artifact[e.artifact_id], self.execution[e.execution_id]) for e in graph.events
        }


def _types(store: Any) -> tuple[int, int, int]:
    return (
        store.put_artifact_type(mlmd.ArtifactType(name="Data")),
        store.put_execution_type(mlmd.ExecutionType(name="Step")),
        store.put_context_type(mlmd.ContextType(name="Run")),
    )


@pytest.fixture
def diamond(store: Any) -> Graph:
    a_type, e_type, c_type = _types(store)
    a_ids = store.put_artifacts([mlmd.Artifact(type_id=a_type, name=n) for n in ARTIFACTS])
    e_ids = store.put_executions([mlmd.Execution(type_id=e_type, name=n) for n in EXECUTIONS])
    ids = dict(zip(ARTIFACTS, a_ids, strict=True)) | dict(zip(EXECUTIONS, e_ids, strict=True))
    store.put_events(
        [mlmd.Event(artifact_id=ids[a], execution_id=ids[e], type=t) for a, e, t in EDGES]
    )
    [ctx] = store.put_contexts([mlmd.Context(type_id=c_type, name="run")])
    store.put_attributions_and_associations(
        [mlmd.Attribution(context_id=ctx, artifact_id=ids["in"])],
        [mlmd.Association(context_id=ctx, execution_id=ids["e1"])],
    )
    return Graph(ids | {"ctx": ctx})


def _subgraph(caller: Any, read_mask: list[str] | None = None, **options: Any) -> Any:
    request = mlmd.GetLineageSubgraphRequest(
        lineage_subgraph_query_options=mlmd.LineageSubgraphQueryOptions(**options)
    )
    if read_mask:
        request.read_mask.paths.extend(read_mask)
    return caller.call("GetLineageSubgraph", request).lineage_subgraph


def _start(name: str) -> Any:
    return mlmd.LineageSubgraphQueryOptions.StartingNodes(filter_query=f"name = '{name}'")


def _end(query: str, include: bool | None = None) -> Any:
    ending = mlmd.LineageSubgraphQueryOptions.EndingNodes(filter_query=query)
    if include is not None:
        ending.include_ending_nodes = include
    return ending


def _graph(caller: Any, query: str | None = None, **stop: Any) -> Any:
    max_node_size = stop.pop("max_node_size", None)
    options = mlmd.LineageGraphQueryOptions(
        artifacts_options=mlmd.ListOperationOptions(filter_query=query)
        if query
        else mlmd.ListOperationOptions()
    )
    if stop:
        options.stop_conditions.CopyFrom(mlmd.LineageGraphQueryOptions.BoundaryConstraint(**stop))
    if max_node_size is not None:
        options.max_node_size = max_node_size
    return caller.call("GetLineageGraph", mlmd.GetLineageGraphRequest(options=options)).subgraph


ALL = set(ARTIFACTS) | set(EXECUTIONS)

# --- GetLineageGraph ----------------------------------------------------------------


def test_graph_walks_both_ways_from_filtered_artifacts(caller: Any, diamond: Graph) -> None:
    graph = _graph(caller, "name = 'side'", max_node_size=0)

    assert diamond.nodes(graph) == ALL
    assert diamond.edges(graph) == {(a, e) for a, e, _ in EDGES}
    assert [c.name for c in graph.contexts] == ["run"]
    assert [t.name for t in graph.artifact_types] == ["Data"]
    assert [t.name for t in graph.execution_types] == ["Step"]
    assert [t.name for t in graph.context_types] == ["Run"]
    assert [(a.context_id, diamond.artifact[a.artifact_id]) for a in graph.attributions] == [
        (diamond.ids["ctx"], "in")
    ]
    assert [(a.context_id, diamond.execution[a.execution_id]) for a in graph.associations] == [
        (diamond.ids["ctx"], "e1")
    ]


@pytest.mark.parametrize(
    ("hops", "expected"),
    [
        (0, {"side"}),
        (1, {"side", "e2"}),
        (2, {"side", "e2", "in", "y"}),
        (3, {"side", "e2", "in", "y", "e1", "e3"}),
        (4, ALL),
        (100, ALL),
    ],
)
def test_graph_max_num_hops(caller: Any, diamond: Graph, hops: int, expected: set[str]) -> None:
    graph = _graph(caller, "name = 'side'", max_num_hops=hops, max_node_size=0)

    assert diamond.nodes(graph) == expected
    # Only events between returned nodes.
    assert diamond.edges(graph) == {(a, e) for a, e, _ in EDGES if {a, e} <= expected}


def test_graph_starts_from_every_matching_artifact(caller: Any, diamond: Graph) -> None:
    graph = _graph(caller, "name = 'side' OR name = 'out'", max_num_hops=1)

    assert diamond.nodes(graph) == {"side", "e2", "out", "e3"}


def test_graph_boundary_artifacts_prunes_and_stops(caller: Any, diamond: Graph) -> None:
    # From "in": y is outside the boundary, so it is left out and not walked through;
    # out is still reached through x.
    graph = _graph(caller, "name = 'in'", boundary_artifacts="name != 'y'", max_node_size=0)

    assert diamond.nodes(graph) == ALL - {"y"}
    assert all("y" not in edge for edge in diamond.edges(graph))


def test_graph_boundary_artifacts_cuts_off_a_branch(caller: Any, diamond: Graph) -> None:
    # From "out", with x and y both outside: nothing past e3 is reachable.
    graph = _graph(
        caller, "name = 'out'", boundary_artifacts="name != 'x' AND name != 'y'", max_node_size=0
    )

    assert diamond.nodes(graph) == {"out", "e3"}
    assert diamond.edges(graph) == {("out", "e3")}


def test_graph_boundary_executions_prunes(caller: Any, diamond: Graph) -> None:
    graph = _graph(caller, "name = 'in'", boundary_executions="name != 'e1'", max_node_size=0)

    assert diamond.nodes(graph) == ALL - {"e1"}
    assert all("e1" not in edge for edge in diamond.edges(graph))
    assert list(graph.associations) == []


def test_graph_boundary_executions_cuts_off_a_branch(caller: Any, diamond: Graph) -> None:
    graph = _graph(caller, "name = 'side'", boundary_executions="name = 'e1'", max_node_size=0)

    assert diamond.nodes(graph) == {"side"}
    assert list(graph.events) == []


def test_graph_boundaries_and_hops_combine(caller: Any, diamond: Graph) -> None:
    graph = _graph(
        caller,
        "name = 'in'",
        max_num_hops=2,
        boundary_artifacts="name != 'side'",
        boundary_executions="name != 'e2'",
        max_node_size=0,
    )

    assert diamond.nodes(graph) == {"in", "e1", "x"}


@pytest.mark.parametrize("cap", [1, 3, 5])
def test_graph_max_node_size_caps_the_result(caller: Any, diamond: Graph, cap: int) -> None:
    graph = _graph(caller, "name = 'in'", max_node_size=cap)

    nodes = diamond.nodes(graph)
    assert len(nodes) == cap
    assert "in" in nodes  # starting nodes first, then nearest first
    if cap >= 3:
        assert {"e1", "e2"} <= nodes


def test_graph_max_node_size_default_is_20(caller: Any, store: Any) -> None:
    chain = _chain(store, 15)  # 16 artifacts + 15 executions

    graph = _graph(caller, f"name = '{chain[0]}'")

    assert len(graph.artifacts) + len(graph.executions) == 20


@pytest.mark.parametrize("size", [0, -1])
def test_graph_non_positive_max_node_size_means_no_limit(
    caller: Any, diamond: Graph, size: int
) -> None:
    assert diamond.nodes(_graph(caller, "name = 'in'", max_node_size=size)) == ALL


def test_graph_negative_hops_is_invalid_argument(caller: Any, diamond: Graph) -> None:
    with pytest.raises(InvalidArgumentError):
        _graph(caller, "name = 'in'", max_num_hops=-1)


def test_graph_no_matching_artifact_is_not_found(caller: Any, diamond: Graph) -> None:
    with pytest.raises(NotFoundError):
        _graph(caller, "name = 'nope'")


def test_graph_on_empty_store_is_not_found(caller: Any) -> None:
    with pytest.raises(NotFoundError):
        _graph(caller)


def test_graph_without_artifacts_options_is_invalid_argument(caller: Any, diamond: Graph) -> None:
    with pytest.raises(InvalidArgumentError):
        caller.call(
            "GetLineageGraph",
            mlmd.GetLineageGraphRequest(options=mlmd.LineageGraphQueryOptions(max_node_size=3)),
        )


def test_graph_artifacts_options_page_size_limits_starting_nodes(
    caller: Any, diamond: Graph
) -> None:
    # The first artifact by id is "in"; one page of size 1 starts only from it.
    options = mlmd.LineageGraphQueryOptions(
        artifacts_options=mlmd.ListOperationOptions(max_result_size=1), max_node_size=0
    )
    options.stop_conditions.max_num_hops = 0
    graph = caller.call("GetLineageGraph", mlmd.GetLineageGraphRequest(options=options)).subgraph

    assert diamond.nodes(graph) == {"in"}


def test_graph_bad_filter_is_invalid_argument(caller: Any, diamond: Graph) -> None:
    with pytest.raises(InvalidArgumentError):
        _graph(caller, "name = = 'in'")
    with pytest.raises(InvalidArgumentError):
        _graph(caller, "name = 'in'", boundary_artifacts="nonsense ((")


# --- GetLineageSubgraph: direction --------------------------------------------------


@pytest.mark.parametrize(
    ("start", "direction", "expected"),
    [
        ("out", UP, ALL),
        ("out", DOWN, {"out"}),
        ("in", DOWN, ALL - {"side"}),
        ("in", UP, {"in"}),
        ("x", UP, {"x", "e1", "in"}),
        ("x", DOWN, {"x", "e3", "out"}),
        ("x", BOTH, ALL),
        ("x", 0, ALL),  # DIRECTION_UNSPECIFIED is BIDIRECTIONAL
        ("side", DOWN, {"side", "e2", "y", "e3", "out"}),
        ("y", UP, {"y", "e2", "in", "side"}),
    ],
)
def test_subgraph_direction_from_artifact(
    caller: Any, diamond: Graph, start: str, direction: int, expected: set[str]
) -> None:
    options: dict[str, Any] = {"starting_artifacts": _start(start)}
    if direction:
        options["direction"] = direction

    graph = _subgraph(caller, **options)

    assert diamond.nodes(graph) == expected
    assert diamond.edges(graph) == {(a, e) for a, e, _ in EDGES if {a, e} <= expected}


@pytest.mark.parametrize(
    ("start", "direction", "expected"),
    [
        ("e2", UP, {"e2", "in", "side"}),
        ("e2", DOWN, {"e2", "y", "e3", "out"}),
        ("e3", UP, ALL - {"out"}),
        ("e1", BOTH, ALL),
    ],
)
def test_subgraph_direction_from_execution(
    caller: Any, diamond: Graph, start: str, direction: int, expected: set[str]
) -> None:
    graph = _subgraph(caller, starting_executions=_start(start), direction=direction)

    assert diamond.nodes(graph) == expected


@pytest.mark.parametrize(
    ("hops", "expected"),
    [
        (0, {"out"}),
        (1, {"out", "e3"}),
        (2, {"out", "e3", "x", "y"}),
        (3, {"out", "e3", "x", "y", "e1", "e2"}),
        (4, ALL),
    ],
)
def test_subgraph_max_num_hops(caller: Any, diamond: Graph, hops: int, expected: set[str]) -> None:
    graph = _subgraph(caller, starting_artifacts=_start("out"), direction=UP, max_num_hops=hops)

    assert diamond.nodes(graph) == expected


def test_subgraph_zero_hops_returns_only_all_starting_nodes(caller: Any, diamond: Graph) -> None:
    graph = _subgraph(
        caller,
        starting_artifacts=mlmd.LineageSubgraphQueryOptions.StartingNodes(
            filter_query="name = 'in' OR name = 'out' OR name = 'side'"
        ),
        max_num_hops=0,
    )

    assert diamond.nodes(graph) == {"in", "out", "side"}
    assert list(graph.events) == []
    assert list(graph.executions) == []


# --- GetLineageSubgraph: ending nodes -----------------------------------------------


@pytest.mark.parametrize(
    ("include", "expected"),
    [
        (None, {"in", "e1", "e2", "x", "y"}),
        (False, {"in", "e1", "e2", "x", "y"}),
        (True, {"in", "e1", "e2", "x", "y", "e3"}),
    ],
)
def test_subgraph_ending_executions(
    caller: Any, diamond: Graph, include: bool | None, expected: set[str]
) -> None:
    graph = _subgraph(
        caller,
        starting_artifacts=_start("in"),
        direction=DOWN,
        ending_executions=_end("name = 'e3'", include),
    )

    assert diamond.nodes(graph) == expected
    assert diamond.edges(graph) == {(a, e) for a, e, _ in EDGES if {a, e} <= expected}


@pytest.mark.parametrize(
    ("include", "expected"),
    [
        (False, {"out", "e3", "y", "e2", "in", "side"}),
        (True, {"out", "e3", "y", "e2", "in", "side", "x"}),
    ],
)
def test_subgraph_ending_artifacts_upstream(
    caller: Any, diamond: Graph, include: bool, expected: set[str]
) -> None:
    # Stopping at x: e1 is only reachable (upstream) through x.
    graph = _subgraph(
        caller,
        starting_artifacts=_start("out"),
        direction=UP,
        ending_artifacts=_end("name = 'x'", include),
    )

    assert diamond.nodes(graph) == expected


def test_subgraph_ending_artifacts_do_not_block_other_paths(caller: Any, diamond: Graph) -> None:
    # Bidirectional from in, stopping at x: e3 and out are still reached through y,
    # and x (reached again from e3) stays out.
    graph = _subgraph(caller, starting_artifacts=_start("in"), ending_artifacts=_end("name = 'x'"))

    assert diamond.nodes(graph) == ALL - {"x"}


def test_subgraph_ending_artifacts_and_executions_together(caller: Any, diamond: Graph) -> None:
    graph = _subgraph(
        caller,
        starting_artifacts=_start("in"),
        direction=DOWN,
        ending_artifacts=_end("name = 'x'", True),
        ending_executions=_end("name = 'e2'", True),
    )

    assert diamond.nodes(graph) == {"in", "e1", "x", "e2"}


def test_subgraph_ending_nodes_with_hop_limit(caller: Any, diamond: Graph) -> None:
    graph = _subgraph(
        caller,
        starting_artifacts=_start("in"),
        direction=DOWN,
        max_num_hops=2,
        ending_executions=_end("name = 'e2'", True),
    )

    assert diamond.nodes(graph) == {"in", "e1", "e2", "x"}


def test_subgraph_starting_node_that_is_an_ending_node_gives_empty_graph(
    caller: Any, diamond: Graph
) -> None:
    graph = _subgraph(caller, starting_artifacts=_start("in"), ending_artifacts=_end("name = 'in'"))

    assert diamond.nodes(graph) == set()
    assert list(graph.events) == []
    assert list(graph.contexts) == []


def test_subgraph_starting_execution_that_is_an_ending_node_gives_empty_graph(
    caller: Any, diamond: Graph
) -> None:
    graph = _subgraph(
        caller, starting_executions=_start("e2"), ending_executions=_end("name != 'e1'")
    )

    assert diamond.nodes(graph) == set()


def test_subgraph_ending_filter_matching_nothing_changes_nothing(
    caller: Any, diamond: Graph
) -> None:
    graph = _subgraph(
        caller, starting_artifacts=_start("in"), ending_artifacts=_end("name = 'nope'")
    )

    assert diamond.nodes(graph) == ALL


# --- GetLineageSubgraph: read_mask --------------------------------------------------


@pytest.mark.parametrize(
    "mask",
    [
        ["artifacts"],
        ["executions"],
        ["events"],
        ["artifacts", "events"],
        ["contexts", "attributions", "associations"],
        ["artifact_types", "execution_types", "context_types"],
    ],
)
def test_subgraph_read_mask_fills_only_named_fields(
    caller: Any, diamond: Graph, mask: list[str]
) -> None:
    graph = _subgraph(caller, read_mask=mask, starting_artifacts=_start("in"))

    full = _subgraph(caller, starting_artifacts=_start("in"))
    for field in (
        "artifacts",
        "executions",
        "contexts",
        "events",
        "attributions",
        "associations",
        "artifact_types",
        "execution_types",
        "context_types",
    ):
        if field in mask:
            assert len(getattr(graph, field)) == len(getattr(full, field)) > 0, field
        else:
            assert len(getattr(graph, field)) == 0, field


@pytest.mark.parametrize("mask", [["artifacts"], ["executions", "events"], ["contexts"]])
def test_subgraph_read_mask_dehydrates_nodes(caller: Any, diamond: Graph, mask: list[str]) -> None:
    """A read_mask naming node fields gets nodes holding only their ids, as MLMD
    documents; the ids are those of the full graph."""
    graph = _subgraph(caller, read_mask=mask, starting_artifacts=_start("in"))

    full = _subgraph(caller, starting_artifacts=_start("in"))
    for field in set(mask) & {"artifacts", "executions", "contexts"}:
        nodes = getattr(graph, field)
        assert [n.id for n in nodes] == [n.id for n in getattr(full, field)], field
        assert all([f.name for f, _ in n.ListFields()] == ["id"] for n in nodes), field


def test_subgraph_types_with_dehydrated_nodes(caller: Any, diamond: Graph) -> None:
    graph = _subgraph(
        caller, read_mask=["artifacts", "artifact_types"], starting_artifacts=_start("in")
    )

    assert {t.id for t in graph.artifact_types} == {
        a.type_id for a in _subgraph(caller, starting_artifacts=_start("in")).artifacts
    }
    assert all(not a.HasField("type_id") for a in graph.artifacts)


def test_subgraph_empty_read_mask_fills_everything(caller: Any, diamond: Graph) -> None:
    graph = _subgraph(caller, starting_artifacts=_start("in"))

    assert diamond.nodes(graph) == ALL
    assert len(graph.events) == len(EDGES)
    assert [c.name for c in graph.contexts] == ["run"]
    assert len(graph.attributions) == len(graph.associations) == 1
    # Nodes carry their fields, not only ids.
    assert {a.name for a in graph.artifacts} == set(ARTIFACTS)
    assert all(a.type_id and a.create_time_since_epoch for a in graph.artifacts)


def test_the_store_api_honours_the_field_mask(store: Any) -> None:
    # MetadataStore.get_lineage_subgraph sends a mask without node fields as the
    # read_mask; with node fields (which the server would dehydrate) it asks for the
    # whole graph and drops the fields not named, so nodes come back in full.
    dataset_type = store.put_artifact_type(mlmd.ArtifactType(name="Dataset"))
    trainer_type = store.put_execution_type(mlmd.ExecutionType(name="Trainer"))
    execution_id, [data_id, model_id], _ = store.put_execution(
        mlmd.Execution(type_id=trainer_type),
        [
            (mlmd.Artifact(type_id=dataset_type, uri="d"), mlmd.Event(type=mlmd.Event.INPUT)),
            (mlmd.Artifact(type_id=dataset_type, uri="m"), mlmd.Event(type=mlmd.Event.OUTPUT)),
        ],
        None,
    )
    query = mlmd.LineageSubgraphQueryOptions(
        starting_artifacts=mlmd.LineageSubgraphQueryOptions.StartingNodes(
            filter_query=f"id = {model_id}"
        ),
        max_num_hops=2,
    )
    graph = store.get_lineage_subgraph(query)
    assert sorted(a.id for a in graph.artifacts) == sorted([data_id, model_id])
    assert [e.id for e in graph.executions] == [execution_id]
    assert len(graph.events) == 2
    assert [t.name for t in graph.artifact_types] == ["Dataset"]
    assert [t.name for t in graph.execution_types] == ["Trainer"]

    only_artifacts = store.get_lineage_subgraph(query, ["artifacts"])
    assert len(only_artifacts.artifacts) == 2
    assert not only_artifacts.events
    assert not only_artifacts.executions
    assert not only_artifacts.artifact_types
    # Full nodes, though the server dehydrates nodes a read_mask names.
    assert sorted(a.uri for a in only_artifacts.artifacts) == ["d", "m"]

    only_events = store.get_lineage_subgraph(query, ["events", "execution_types"])
    assert len(only_events.events) == 2
    assert [t.name for t in only_events.execution_types] == ["Trainer"]
    assert not only_events.artifacts
    assert not only_events.executions


# --- GetLineageSubgraph: deep chains (no 100-hop cap) -------------------------------


def _chain(store: Any, executions: int) -> list[str]:
    """a0 → s0 → a1 → s1 → ... → a<n>; returns the names in walk order."""
    a_type = store.put_artifact_type(mlmd.ArtifactType(name="Link"))
    e_type = store.put_execution_type(mlmd.ExecutionType(name="Hop"))
    a_ids = store.put_artifacts(
        [mlmd.Artifact(type_id=a_type, name=f"a{i}") for i in range(executions + 1)]
    )
    e_ids = store.put_executions(
        [mlmd.Execution(type_id=e_type, name=f"s{i}") for i in range(executions)]
    )
    events = []
    for i, e in enumerate(e_ids):
        events.append(mlmd.Event(artifact_id=a_ids[i], execution_id=e, type=mlmd.Event.INPUT))
        events.append(mlmd.Event(artifact_id=a_ids[i + 1], execution_id=e, type=mlmd.Event.OUTPUT))
    store.put_events(events)
    names = []
    for i in range(executions):
        names += [f"a{i}", f"s{i}"]
    return names + [f"a{executions}"]


def _names(graph: Any) -> set[str]:
    return {a.name for a in graph.artifacts} | {e.name for e in graph.executions}


@pytest.mark.parametrize("hops", [None, 150, 1000])
@pytest.mark.parametrize("direction", [UP, BOTH])
def test_subgraph_deeper_than_100_hops_is_fully_returned(
    caller: Any, store: Any, hops: int | None, direction: int
) -> None:
    chain = _chain(store, 60)  # 121 nodes, 120 hops end to end
    options: dict[str, Any] = {"starting_artifacts": _start("a60"), "direction": direction}
    if hops is not None:
        options["max_num_hops"] = hops

    graph = _subgraph(caller, **options)

    assert _names(graph) == set(chain)
    assert len(graph.events) == 120


def test_subgraph_deep_chain_downstream_and_partial_hops(caller: Any, store: Any) -> None:
    chain = _chain(store, 60)

    full = _subgraph(caller, starting_artifacts=_start("a0"), direction=DOWN)
    partial = _subgraph(caller, starting_artifacts=_start("a0"), direction=DOWN, max_num_hops=110)

    assert _names(full) == set(chain)
    assert _names(partial) == set(chain[:111])


def test_subgraph_deep_chain_ending_node_past_hop_100(caller: Any, store: Any) -> None:
    chain = _chain(store, 60)

    graph = _subgraph(
        caller,
        starting_artifacts=_start("a60"),
        direction=UP,
        ending_executions=_end("name = 's5'", True),
    )

    assert _names(graph) == set(chain[chain.index("s5") :])


def test_graph_deeper_than_100_hops(caller: Any, store: Any) -> None:
    chain = _chain(store, 60)

    graph = _graph(caller, "name = 'a0'", max_node_size=0)
    capped = _graph(caller, "name = 'a0'", max_num_hops=101, max_node_size=0)

    assert _names(graph) == set(chain)
    assert _names(capped) == set(chain[:102])


# --- GetLineageSubgraph: errors -----------------------------------------------------


def test_subgraph_without_starting_nodes_is_invalid_argument(caller: Any, diamond: Graph) -> None:
    with pytest.raises(InvalidArgumentError):
        _subgraph(caller, max_num_hops=2)


@pytest.mark.parametrize("field", ["starting_artifacts", "starting_executions"])
def test_subgraph_empty_starting_filter_is_invalid_argument(
    caller: Any, diamond: Graph, field: str
) -> None:
    with pytest.raises(InvalidArgumentError):
        _subgraph(caller, **{field: mlmd.LineageSubgraphQueryOptions.StartingNodes()})
    with pytest.raises(InvalidArgumentError):
        _subgraph(
            caller, **{field: mlmd.LineageSubgraphQueryOptions.StartingNodes(filter_query="")}
        )


@pytest.mark.parametrize("hops", [-1, -(2**63)])
def test_subgraph_negative_hops_is_invalid_argument(caller: Any, diamond: Graph, hops: int) -> None:
    with pytest.raises(InvalidArgumentError):
        _subgraph(caller, starting_artifacts=_start("in"), max_num_hops=hops)


@pytest.mark.parametrize("field", ["starting_artifacts", "starting_executions"])
def test_subgraph_no_matching_starting_node_is_not_found(
    caller: Any, diamond: Graph, field: str
) -> None:
    with pytest.raises(NotFoundError):
        _subgraph(caller, **{field: _start("nope")})


def test_subgraph_bad_filters_are_invalid_argument(caller: Any, diamond: Graph) -> None:
    with pytest.raises(InvalidArgumentError):
        _subgraph(
            caller,
            starting_artifacts=mlmd.LineageSubgraphQueryOptions.StartingNodes(
                filter_query="name ="
            ),
        )
    with pytest.raises(InvalidArgumentError):
        _subgraph(caller, starting_artifacts=_start("in"), ending_artifacts=_end("uri LIKE"))
