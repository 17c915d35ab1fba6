"""Lineage RPCs: GetLineageSubgraph, GetLineageGraph and PutLineageSubgraph.

Differences from MLMD, on purpose (docs/compatibility.md): no 100-hop cap (an
unset max_num_hops walks the whole reachable lineage), no 100-starting-node cap,
GetLineageGraph is implemented (MLMD's server answers UNIMPLEMENTED), and with no
read_mask GetLineageSubgraph's nodes carry all their fields (MLMD's server returns
only ids even then). A read_mask naming node fields gets nodes with only their ids
("dehydrated"), as MLMD documents it: its client reads the details with further
calls and would discard them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, select

from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.store.filter_query import compile_filter
from mdstore.store.lineage import BIDIRECTIONAL, Filter, Limits, Walk, walk
from mdstore.store.link_ops import event_rows
from mdstore.store.node_blobs import as_bytes, repeated_ids, repeated_nodes
from mdstore.store.nodes import ARTIFACT, CONTEXT, EXECUTION, NodeKind, chunks, node_rows
from mdstore.store.paging import apply as apply_page
from mdstore.store.paging import parse as parse_page
from mdstore.store.raw_sql import CHUNK, binds_whole_lists, fetch, fetch_chunked
from mdstore.store.rpc import Serialized, rpc
from mdstore.store.type_ops import types_by_id
from mdstore.store.wire_bytes import field as wire_field
from mdstore.store.wire_bytes import repeated, varint
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
    ids: list[int] = list(
        conn.execute(select(kind.table.c.id).where(compile_filter(query, kind))).scalars()
    )
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
    masked = bool(request.read_mask.paths)
    fields = set(request.read_mask.paths) if masked else set(_GRAPH_FIELDS)
    graph = build_graph(conn, result, fields, full_nodes=not masked)
    return Serialized(wire_field(1, graph))  # GetLineageSubgraphResponse.lineage_subgraph


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
    return Serialized(wire_field(1, graph))  # GetLineageGraphResponse.subgraph


def build_graph(
    conn: Connection, result: Walk, fields: set[str], *, full_nodes: bool = True
) -> bytes:
    """The serialized LineageGraph of a walk, with the requested fields filled;
    nodes with all their fields, or (not ``full_nodes``) with only their ids.

    Assembled from the stored blobs (store/wire_bytes.py) and parsed once by the
    caller: a graph of a few hundred nodes would otherwise spend most of its time
    copying messages.
    """
    # Ids only: the walk has the artifact and execution ids, so their rows are read
    # only when their types are asked for.
    read = fields if full_nodes else fields - {"artifacts", "executions"}
    rows = _graph_rows(conn, list(result.artifacts), list(result.executions), read)
    nodes = repeated_nodes if full_nodes else repeated_ids
    artifacts = rows.artifacts if full_nodes else [(i,) for i in sorted(result.artifacts)]
    executions = rows.executions if full_nodes else [(i,) for i in sorted(result.executions)]
    # Each encodes one repeated field of LineageGraph, given its number.
    encoders = {
        "artifacts": lambda n: nodes(n, artifacts),
        "executions": lambda n: nodes(n, executions),
        "contexts": lambda n: nodes(n, rows.contexts),
        "artifact_types": lambda n: repeated(n, _types_of(conn, ARTIFACT, rows.artifacts)),
        "execution_types": lambda n: repeated(n, _types_of(conn, EXECUTION, rows.executions)),
        "context_types": lambda n: repeated(n, _types_of(conn, CONTEXT, rows.contexts)),
        "events": lambda n: _events_wire(n, rows.events),
        "attributions": lambda n: _links_wire(n, rows.attributions),
        "associations": lambda n: _links_wire(n, rows.associations),
    }
    return b"".join(
        encoders[name](_GRAPH_FIELD_NUMBERS[name]) for name in _GRAPH_FIELDS if name in fields
    )


_GRAPH_FIELD_NUMBERS = {f.name: f.number for f in mlmd.LineageGraph.DESCRIPTOR.fields}


@dataclass
class _GraphRows:
    """What a graph is made of: nodes as ``(id, proto, type_id)``, events as
    ``(id, execution_id, proto)``, links as ``(context_id, node_id)``; each sorted
    as served."""

    artifacts: list[Any]
    executions: list[Any]
    contexts: list[Any]
    events: list[Any]
    attributions: list[Any]
    associations: list[Any]


def _graph_rows(
    conn: Connection, artifact_ids: list[int], execution_ids: list[int], fields: set[str]
) -> _GraphRows:
    """The rows the graph's ``fields`` need, in one statement (each is a round trip
    on a server backend), or one per table when an id list is too long to bind."""
    long_lists = len(artifact_ids) > CHUNK or len(execution_ids) > CHUNK
    if long_lists and not binds_whole_lists(conn):
        return _graph_rows_by_table(conn, artifact_ids, execution_ids, fields)
    buckets: list[list[Any]] = [[] for _ in _PARTS]
    parts = _parts_for(fields, bool(artifact_ids), bool(execution_ids))
    if parts:
        template, sources = _graph_sql(parts, bool(artifact_ids), bool(execution_ids))
        by_source = {"a": artifact_ids, "e": execution_ids}
        lists = [by_source[source] for source in sources]
        executions = set(execution_ids)
        for tag, first, second, blob in fetch(conn, template, *lists):
            if tag >= _LINKS:
                buckets[tag].append((first, second))
            elif tag == _EVENTS:
                if second in executions:
                    buckets[tag].append((first, second, blob))
            else:
                buckets[tag].append((first, blob, second))  # as nodes.node_rows
        for bucket in buckets:
            bucket.sort()  # nodes and events by id, links by (context, node)
    return _GraphRows(*buckets)


# The parts of the one-statement graph read, in tag order, as _GraphRows has them.
# Each SELECT gives (tag, id or context_id, type_id or node_id, proto); {a} and {e}
# stand for "is one of the artifact (execution) ids".
_PARTS = ("artifacts", "executions", "contexts", "events", "attributions", "associations")
_EVENTS = _PARTS.index("events")
_LINKS = _PARTS.index("attributions")  # the first tag whose rows are links
_PART_SQL = {
    "artifacts": "SELECT 0, id, type_id, proto FROM artifact WHERE id {a}",
    "executions": "SELECT 1, id, type_id, proto FROM execution WHERE id {e}",
    "contexts": "SELECT 2, id, type_id, proto FROM context WHERE {contexts}",
    # Events by artifact alone, their executions checked in Python: with both IN
    # lists SQLite probes the index once per pair of ids.
    "events": "SELECT 3, id, execution_id, proto FROM event WHERE artifact_id {a}",
    "attributions": "SELECT 4, context_id, artifact_id, NULL FROM attribution"
    " WHERE artifact_id {a}",
    "associations": "SELECT 5, context_id, execution_id, NULL FROM association"
    " WHERE execution_id {e}",
}
# The fields whose encoding needs a kind's node rows (types need their type ids).
_NODE_FIELDS = {
    "artifacts": {"artifacts", "artifact_types"},
    "executions": {"executions", "execution_types"},
}
# The contexts of the graph: those its artifacts and executions are linked to (an
# OR of two IN subqueries: MariaDB runs an IN over a UNION twice as slowly).
_CONTEXT_IDS = {
    "a": "id IN (SELECT context_id FROM attribution WHERE artifact_id {a})",
    "e": "id IN (SELECT context_id FROM association WHERE execution_id {e})",
}


def _parts_for(fields: set[str], artifacts: bool, executions: bool) -> tuple[str, ...]:
    """The parts a graph with these fields needs (types need their nodes' type ids),
    less those with no ids to look up."""
    needs = {
        "artifacts": artifacts and bool(fields & _NODE_FIELDS["artifacts"]),
        "executions": executions and bool(fields & _NODE_FIELDS["executions"]),
        "contexts": (artifacts or executions) and bool(fields & {"contexts", "context_types"}),
        "events": artifacts and executions and "events" in fields,
        "attributions": artifacts and "attributions" in fields,
        "associations": executions and "associations" in fields,
    }
    return tuple(part for part in _PARTS if needs[part])


@functools.lru_cache(maxsize=256)
def _graph_sql(parts: tuple[str, ...], artifacts: bool, executions: bool) -> tuple[str, list[str]]:
    """The UNION ALL of the parts as a raw_sql template, and which id list ("a" or
    "e") fills each of its slots, in order."""
    lists = [name for name, present in (("a", artifacts), ("e", executions)) if present]
    contexts = " OR ".join(_CONTEXT_IDS[name] for name in lists)
    template = " UNION ALL ".join(_PART_SQL[part].replace("{contexts}", contexts) for part in parts)
    sources = re.findall(r"\{([ae])\}", template)
    return re.sub(r"\{[ae]\}", "IN ({})", template), sources


def _graph_rows_by_table(
    conn: Connection, artifact_ids: list[int], execution_ids: list[int], fields: set[str]
) -> _GraphRows:
    """The graph's rows a table at a time, CHUNK ids per statement (big graphs)."""

    def nodes(kind: NodeKind, ids: list[int]) -> list[Any]:
        return node_rows(conn, kind, ids) if fields & _NODE_FIELDS[kind.plural] else []

    executions = set(execution_ids)
    attributions = _links(conn, "attribution", "artifact_id", artifact_ids)
    associations = _links(conn, "association", "execution_id", execution_ids)
    context_ids = {c for c, _ in attributions} | {c for c, _ in associations}
    events = event_rows(conn, "artifact_id", artifact_ids) if "events" in fields else []
    return _GraphRows(
        artifacts=nodes(ARTIFACT, artifact_ids),
        executions=nodes(EXECUTION, execution_ids),
        contexts=node_rows(conn, CONTEXT, context_ids),
        events=[(row[0], row[3], row[1]) for row in events if row[3] in executions],
        attributions=attributions,
        associations=associations,
    )


def _types_of(conn: Connection, kind: NodeKind, rows: list[Any]) -> list[bytes]:
    types = types_by_id(conn, kind.type_kind, [row[2] for row in rows])
    return [t.SerializeToString() for t in types.values()]


# Driver-level SQL (store/raw_sql.py), one per link table.
_LINKS_SQL = "SELECT context_id, {column} FROM {table} WHERE {column} IN ({{}})"


def _links(conn: Connection, table: str, column: str, ids: Any) -> list[tuple[int, int]]:
    rows = fetch_chunked(conn, _LINKS_SQL.format(table=table, column=column), sorted(ids))
    return sorted((r[0], r[1]) for r in rows)


# Wire encoding, inlined (store/wire_bytes.py has the general helpers): a graph
# encodes every node and link, and the generic helpers' calls were most of it.
_ID_TAG, _CONTEXT_ID_TAG = b"\x08", b"\x10"  # field 1 and field 2, varint


def _events_wire(number: int, rows: list[Any]) -> bytes:
    tag = varint(number << 3 | 2)
    parts: list[bytes] = []
    for _, _, blob in rows:
        blob = as_bytes(blob)
        parts += (tag, varint(len(blob)), blob)
    return b"".join(parts)


def _links_wire(number: int, rows: list[Any]) -> bytes:
    """Attributions or Associations: the node id is field 1, the context id field 2."""
    tag = varint(number << 3 | 2)
    parts: list[bytes] = []
    for context_id, node_id in rows:
        body = _ID_TAG + varint(node_id) + _CONTEXT_ID_TAG + varint(context_id)
        parts += (tag, varint(len(body)), body)
    return b"".join(parts)
