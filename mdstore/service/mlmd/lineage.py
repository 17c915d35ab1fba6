"""Handlers of the lineage reads: GetLineageSubgraph and GetLineageGraph.

Differences from MLMD, on purpose (docs/compatibility.md): no 100-hop cap (an
unset max_num_hops walks the whole reachable lineage), no 100-starting-node cap,
GetLineageGraph is implemented (MLMD's server answers UNIMPLEMENTED), and with no
read_mask GetLineageSubgraph's nodes carry all their fields (MLMD's server returns
only ids even then). A read_mask naming node fields gets nodes with only their ids
("dehydrated"), as MLMD documents it: its client reads the details with further
calls and would discard them.
"""

from __future__ import annotations

from typing import Any

from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.store import Transaction
from mdstore.store.lineage.graph import GRAPH_FIELDS, build_graph
from mdstore.store.lineage.model import BIDIRECTIONAL, Limits
from mdstore.store.lineage.selection import (
    first_artifact_ids,
    ids_matching,
    matching,
    not_matching,
)
from mdstore.store.lineage.walk import walk
from mdstore.store.records.kinds import ARTIFACT, EXECUTION
from mdstore.wire import encoding, mlmd
from mdstore.wire.encoding import Encoded

# The LineageGraph's field number in both responses (lineage_subgraph, subgraph).
_GRAPH_FIELD = 1


def get_lineage_subgraph(conn: Transaction, request: Any) -> Any:
    """GetLineageSubgraph: walks from the starting nodes; returns the fields the
    read_mask names (all when it names none)."""
    options = request.lineage_subgraph_query_options
    which = options.WhichOneof("starting_nodes")
    if which is None:
        raise InvalidArgumentError("set starting_artifacts or starting_executions")
    kind = ARTIFACT if which == "starting_artifacts" else EXECUTION
    query = getattr(options, which).filter_query
    if not query:
        raise InvalidArgumentError("starting nodes need a filter_query")
    start = ids_matching(conn, kind, query)
    if not start:
        raise NotFoundError("no nodes match the starting filter_query; nothing to trace")
    limits = Limits(
        max_hops=_hops(options.max_num_hops if options.HasField("max_num_hops") else None),
        direction=options.direction or BIDIRECTIONAL,
        **_ending_rules(conn, options),
    )
    result = walk(
        conn, start if kind is ARTIFACT else [], start if kind is EXECUTION else [], limits
    )
    masked = bool(request.read_mask.paths)
    fields = set(request.read_mask.paths) if masked else set(GRAPH_FIELDS)
    graph = build_graph(conn, result, fields, full_nodes=not masked)
    return Encoded(mlmd.GetLineageSubgraphResponse, encoding.field(_GRAPH_FIELD, graph))


def get_lineage_graph(conn: Transaction, request: Any) -> Any:
    """GetLineageGraph: walks both ways from the artifacts artifacts_options selects."""
    options = request.options
    if not options.HasField("artifacts_options"):
        raise InvalidArgumentError("GetLineageGraph needs options.artifacts_options")
    start = first_artifact_ids(conn, options.artifacts_options)
    if not start:
        raise NotFoundError("no artifacts match artifacts_options; nothing to trace")
    stop = options.stop_conditions
    limits = Limits(
        max_hops=_hops(stop.max_num_hops if stop.HasField("max_num_hops") else None),
        exclude_artifacts=not_matching(conn, ARTIFACT, stop.boundary_artifacts)
        if stop.boundary_artifacts
        else None,
        exclude_executions=not_matching(conn, EXECUTION, stop.boundary_executions)
        if stop.boundary_executions
        else None,
        max_nodes=options.max_node_size if options.max_node_size > 0 else None,
    )
    result = walk(conn, start, [], limits)
    graph = build_graph(conn, result, set(GRAPH_FIELDS))
    return Encoded(mlmd.GetLineageGraphResponse, encoding.field(_GRAPH_FIELD, graph))


def _hops(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise InvalidArgumentError(f"max_num_hops cannot be negative: max_num_hops = {value}")
    return value


def _ending_rules(conn: Transaction, options: Any) -> dict[str, Any]:
    """Limits' stop rules from ending_artifacts / ending_executions."""
    rules: dict[str, Any] = {}
    keep = []
    for field, kind, key in (
        ("ending_artifacts", ARTIFACT, "stop_artifacts"),
        ("ending_executions", EXECUTION, "stop_executions"),
    ):
        if options.HasField(field) and getattr(options, field).filter_query:
            ending = getattr(options, field)
            rules[key] = matching(conn, kind, ending.filter_query)
            keep.append(ending.include_ending_nodes)
    if len(set(keep)) > 1:
        raise InvalidArgumentError(
            "ending_artifacts and ending_executions must agree on include_ending_nodes"
        )
    rules["keep_stops"] = bool(keep and keep[0])
    return rules
