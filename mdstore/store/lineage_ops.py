"""Lineage RPCs: GetLineageSubgraph, GetLineageGraph and PutLineageSubgraph.

Differences from MLMD, on purpose (docs/compatibility.md): no 100-hop cap (an
unset max_num_hops walks the whole reachable lineage), no 100-starting-node cap,
GetLineageGraph is implemented (MLMD's server answers UNIMPLEMENTED), and nodes in
the returned graph carry all their fields (MLMD returns only ids and makes the
client fetch them again).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, select

from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.store.filter_query import compile_filter
from mdstore.store.lineage import BIDIRECTIONAL, Filter, Limits, Walk, walk
from mdstore.store.link_ops import event_rows
from mdstore.store.node_blobs import as_bytes, node_wire
from mdstore.store.nodes import ARTIFACT, CONTEXT, EXECUTION, NodeKind, chunks, node_rows
from mdstore.store.paging import apply as apply_page
from mdstore.store.paging import parse as parse_page
from mdstore.store.raw_sql import fetch_chunked
from mdstore.store.rpc import rpc
from mdstore.store.type_ops import types_by_id
from mdstore.store.wire_bytes import field as wire_field
from mdstore.store.wire_bytes import int_field, repeated
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
    graph = build_graph(conn, result, fields)
    return mlmd.GetLineageSubgraphResponse.FromString(wire_field(1, graph))  # lineage_subgraph


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
    graph = build_graph(conn, result, set(_GRAPH_FIELDS))
    return mlmd.GetLineageGraphResponse.FromString(wire_field(1, graph))  # subgraph


def build_graph(conn: Connection, result: Walk, fields: set[str]) -> bytes:
    """The serialized LineageGraph of a walk, with the requested fields filled.

    Assembled from the stored blobs (store/wire_bytes.py) and parsed once by the
    caller: a graph of a few hundred nodes would otherwise spend most of its time
    copying messages.
    """
    artifacts = node_rows(conn, ARTIFACT, result.artifacts)
    executions = node_rows(conn, EXECUTION, result.executions)
    attributions = _links(conn, "attribution", "artifact_id", result.artifacts)
    associations = _links(conn, "association", "execution_id", result.executions)
    contexts = node_rows(conn, CONTEXT, {c for c, _ in attributions} | {c for c, _ in associations})
    wanted = {
        "artifacts": lambda: map(node_wire, artifacts),
        "executions": lambda: map(node_wire, executions),
        "contexts": lambda: map(node_wire, contexts),
        "artifact_types": lambda: _types_of(conn, ARTIFACT, artifacts),
        "execution_types": lambda: _types_of(conn, EXECUTION, executions),
        "context_types": lambda: _types_of(conn, CONTEXT, contexts),
        "events": lambda: (
            as_bytes(row[1])
            for row in event_rows(conn, "artifact_id", result.artifacts)
            if row[3] in result.executions
        ),
        # Attribution and Association: the node id is field 1, the context id field 2.
        "attributions": lambda: (int_field(1, a) + int_field(2, c) for c, a in attributions),
        "associations": lambda: (int_field(1, e) + int_field(2, c) for c, e in associations),
    }
    return b"".join(
        repeated(_GRAPH_FIELD_NUMBERS[name], wanted[name]())
        for name in _GRAPH_FIELDS
        if name in fields
    )


_GRAPH_FIELD_NUMBERS = {f.name: f.number for f in mlmd.LineageGraph.DESCRIPTOR.fields}


def _types_of(conn: Connection, kind: NodeKind, rows: list[Any]) -> list[bytes]:
    types = types_by_id(conn, kind.type_kind, [row[2] for row in rows])
    return [t.SerializeToString() for t in types.values()]


# Driver-level SQL (store/raw_sql.py), one per link table.
_LINKS_SQL = "SELECT context_id, {column} FROM {table} WHERE {column} IN ({{}})"


def _links(conn: Connection, table: str, column: str, ids: Any) -> list[tuple[int, int]]:
    rows = fetch_chunked(conn, _LINKS_SQL.format(table=table, column=column), sorted(ids))
    return sorted((r[0], r[1]) for r in rows)
