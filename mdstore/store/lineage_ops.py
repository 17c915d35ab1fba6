"""Lineage RPCs: GetLineageSubgraph, GetLineageGraph and PutLineageSubgraph.

Differences from MLMD, on purpose (docs/compatibility.md): no 100-hop cap (an
unset max_num_hops walks the whole reachable lineage), no 100-starting-node cap,
GetLineageGraph is implemented (MLMD's server answers UNIMPLEMENTED), and nodes in
the returned graph carry all their fields (MLMD returns only ids and makes the
client fetch them again).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.store import schema
from mdstore.store.filter_query import compile_filter
from mdstore.store.lineage import BIDIRECTIONAL, Filter, Limits, Walk, walk
from mdstore.store.link_ops import load_events
from mdstore.store.nodes import ARTIFACT, CONTEXT, EXECUTION, NodeKind, chunks, nodes_by_id
from mdstore.store.paging import apply as apply_page
from mdstore.store.paging import parse as parse_page
from mdstore.store.rpc import rpc
from mdstore.store.type_ops import types_by_id
from mdstore.wire import mlmd

_GRAPH_FIELDS = (
    "artifacts",
    "executions",
    "contexts",
    "artifact_types",
    "execution_types",
    "context_types",
    "events",
    "attributions",
    "associations",
)


def _matching(conn: Connection, kind: NodeKind, query: str) -> Filter:
    """A stop/boundary rule: which of some node ids satisfy a filter query."""
    condition = compile_filter(query, kind)

    def rule(ids: set[int]) -> set[int]:
        found: set[int] = set()
        for chunk in chunks(sorted(ids)):
            found.update(
                conn.execute(
                    select(kind.table.c.id).where(and_(kind.table.c.id.in_(chunk), condition))
                ).scalars()
            )
        return found

    return rule


def _not_matching(conn: Connection, kind: NodeKind, query: str) -> Filter:
    keep = _matching(conn, kind, query)
    return lambda ids: ids - keep(ids)


def _hops(value: int | None) -> int | None:
    if value is not None and value < 0:
        raise InvalidArgumentError(f"max_num_hops cannot be negative: max_num_hops = {value}")
    return value


def _starting_ids(conn: Connection, kind: NodeKind, query: str) -> list[int]:
    if not query:
        raise InvalidArgumentError("starting nodes need a filter_query")
    ids = list(conn.execute(select(kind.table.c.id).where(compile_filter(query, kind))).scalars())
    if not ids:
        raise NotFoundError("no nodes match the starting filter_query; nothing to trace")
    return ids


@rpc("GetLineageSubgraph", read_only=True)
def get_lineage_subgraph(conn: Connection, request: Any) -> Any:
    """Walks from the starting nodes; returns the fields the read_mask names (all if empty)."""
    options = request.lineage_subgraph_query_options
    which = options.WhichOneof("starting_nodes")
    if which is None:
        raise InvalidArgumentError("set starting_artifacts or starting_executions")
    kind = ARTIFACT if which == "starting_artifacts" else EXECUTION
    start = _starting_ids(conn, kind, getattr(options, which).filter_query)
    limits = Limits(
        max_hops=_hops(options.max_num_hops if options.HasField("max_num_hops") else None),
        direction=options.direction or BIDIRECTIONAL,
        **_ending_rules(conn, options),
    )
    result = walk(
        conn, start if kind is ARTIFACT else [], start if kind is EXECUTION else [], limits
    )
    fields = set(request.read_mask.paths) if request.read_mask.paths else set(_GRAPH_FIELDS)
    return mlmd.GetLineageSubgraphResponse(lineage_subgraph=build_graph(conn, result, fields))


def _ending_rules(conn: Connection, options: Any) -> dict[str, Any]:
    rules: dict[str, Any] = {}
    keep = []
    for field, kind, key in (
        ("ending_artifacts", ARTIFACT, "stop_artifacts"),
        ("ending_executions", EXECUTION, "stop_executions"),
    ):
        if options.HasField(field) and getattr(options, field).filter_query:
            ending = getattr(options, field)
            rules[key] = _matching(conn, kind, ending.filter_query)
            keep.append(ending.include_ending_nodes)
    if len(set(keep)) > 1:
        raise InvalidArgumentError(
            "ending_artifacts and ending_executions must agree on include_ending_nodes"
        )
    rules["keep_stops"] = bool(keep and keep[0])
    return rules


@rpc("GetLineageGraph", read_only=True)
def get_lineage_graph(conn: Connection, request: Any) -> Any:
    """Walks both ways from the artifacts that artifacts_options selects."""
    options = request.options
    if not options.HasField("artifacts_options"):
        raise InvalidArgumentError("GetLineageGraph needs options.artifacts_options")
    page = parse_page(options.artifacts_options, ARTIFACT.table)
    query = select(ARTIFACT.table.c.id, page.order_column.label("order_value"))
    if options.artifacts_options.filter_query:
        query = query.where(compile_filter(options.artifacts_options.filter_query, ARTIFACT))
    start = [row.id for row in conn.execute(apply_page(query, page))][: page.limit]
    if not start:
        raise NotFoundError("no artifacts match artifacts_options; nothing to trace")
    stop = options.stop_conditions
    limits = Limits(
        max_hops=_hops(stop.max_num_hops if stop.HasField("max_num_hops") else None),
        exclude_artifacts=_not_matching(conn, ARTIFACT, stop.boundary_artifacts)
        if stop.boundary_artifacts
        else None,
        exclude_executions=_not_matching(conn, EXECUTION, stop.boundary_executions)
        if stop.boundary_executions
        else None,
        max_nodes=options.max_node_size if options.max_node_size > 0 else None,
    )
    result = walk(conn, start, [], limits)
    return mlmd.GetLineageGraphResponse(subgraph=build_graph(conn, result, set(_GRAPH_FIELDS)))


def build_graph(conn: Connection, result: Walk, fields: set[str]) -> Any:
    """The LineageGraph message for a walk, with the requested fields filled."""
    graph = mlmd.LineageGraph()
    artifacts = nodes_by_id(conn, ARTIFACT, result.artifacts)
    executions = nodes_by_id(conn, EXECUTION, result.executions)
    attributions = _links(conn, schema.attribution_table, "artifact_id", result.artifacts)
    associations = _links(conn, schema.association_table, "execution_id", result.executions)
    contexts = nodes_by_id(
        conn, CONTEXT, {c for c, _ in attributions} | {c for c, _ in associations}
    )
    wanted = {
        "artifacts": lambda: artifacts,
        "executions": lambda: executions,
        "contexts": lambda: contexts,
        "artifact_types": lambda: _types_of(conn, ARTIFACT, artifacts),
        "execution_types": lambda: _types_of(conn, EXECUTION, executions),
        "context_types": lambda: _types_of(conn, CONTEXT, contexts),
        "events": lambda: [
            e
            for e in load_events(conn, schema.event_table.c.artifact_id, result.artifacts)
            if e.execution_id in result.executions
        ],
        "attributions": lambda: [
            mlmd.Attribution(context_id=c, artifact_id=a) for c, a in attributions
        ],
        "associations": lambda: [
            mlmd.Association(context_id=c, execution_id=e) for c, e in associations
        ],
    }
    for name in fields & wanted.keys():
        getattr(graph, name).extend(wanted[name]())
    return graph


def _types_of(conn: Connection, kind: NodeKind, nodes: list[Any]) -> list[Any]:
    return list(types_by_id(conn, kind.type_kind, [n.type_id for n in nodes]).values())


# Built once per link table so SQLAlchemy reuses the compiled statement.
_LINKS_OF = {
    (table.name, column): select(table.c.context_id, table.c[column]).where(
        table.c[column].in_(bindparam("ids", expanding=True))
    )
    for table, column in (
        (schema.attribution_table, "artifact_id"),
        (schema.association_table, "execution_id"),
    )
}


def _links(conn: Connection, table: Any, column: str, ids: Any) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    for chunk in chunks(sorted(ids)):
        rows = conn.execute(_LINKS_OF[(table.name, column)], {"ids": chunk})
        pairs.extend((r[0], r[1]) for r in rows)
    return sorted(pairs)
