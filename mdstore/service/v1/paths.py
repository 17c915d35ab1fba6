"""``mdstore.v1`` Path: the chains of events between two nodes, shortest first.

Only the nodes between the two matter: what is downstream of the one and upstream
of the other (two recursive walks in SQL); networkx finds the chains there.
"""

from __future__ import annotations

from typing import Any

from mdstore.provenance.graph import LineageGraph, NodeId, to_ref
from mdstore.provenance.paths import DEFAULT_CHAIN_LIMIT, chains, check_limit
from mdstore.service.v1.answers import lineage_nodes, with_nodes
from mdstore.service.v1.requests import as_of, existing_node, node_kind
from mdstore.store import Transaction
from mdstore.store.lineage.extract import event_rows_among, page_nodes
from mdstore.store.lineage.model import DOWNSTREAM, UPSTREAM, Limits
from mdstore.store.lineage.walk import walk
from mdstore.store.records.blobs import parse_events
from mdstore.store.records.kinds import ARTIFACT, NodeKind
from mdstore.wire import mlmd, v1


def path(conn: Transaction, request: Any) -> Any:
    """Path: how two nodes are connected ("downstream", "upstream" or not at all)."""
    limit = request.max_chains or DEFAULT_CHAIN_LIMIT
    check_limit(limit)
    when = as_of(request)
    source, target = _node(conn, request.source, when), _node(conn, request.target, when)
    between = _between(conn, source, target, when) or _between(conn, target, source, when)
    rows = event_rows_among(conn, between[0], between[1], when) if between else []
    events = parse_events(mlmd.Event, (row[1] for row in rows))
    graph = LineageGraph.from_events(events, nodes=[source, target])
    direction, found = chains(graph, source, target, limit)
    on_chains = {node for chain in found for node in chain}
    artifacts = {n.id for n in on_chains if n.kind == ARTIFACT.label}
    executions = {n.id for n in on_chains if n.kind != ARTIFACT.label}
    page = page_nodes(conn, artifacts, executions, when)
    chain_events = [row[1] for row in rows if row[2] in artifacts and row[3] in executions]
    rest = v1.PathResponse(
        direction=direction,
        chains=[v1.Chain(nodes=[to_ref(n) for n in chain]) for chain in found],
    )
    return with_nodes(lineage_nodes(page, chain_events), rest)


def _node(conn: Transaction, ref: Any, when: int | None) -> NodeId:
    kind: NodeKind = node_kind(ref.kind)
    existing_node(conn, kind, ref.id, when)
    return NodeId.artifact(ref.id) if kind is ARTIFACT else NodeId.execution(ref.id)


def _between(
    conn: Transaction, first: NodeId, last: NodeId, when: int | None
) -> tuple[set[int], set[int]] | None:
    """The artifacts and executions downstream of ``first`` and upstream of
    ``last`` (both included), or None when ``last`` is not downstream of ``first``."""
    down = _walk(conn, first, DOWNSTREAM, when)
    if last.id not in (down[0] if last.kind == ARTIFACT.label else down[1]):
        return None
    up = _walk(conn, last, UPSTREAM, when)
    return down[0] & up[0], down[1] & up[1]


def _walk(
    conn: Transaction, node: NodeId, direction: int, when: int | None
) -> tuple[set[int], set[int]]:
    is_artifact = node.kind == ARTIFACT.label
    start_a, start_e = ({node.id}, set()) if is_artifact else (set(), {node.id})
    result = walk(conn, start_a, start_e, Limits(direction=direction, as_of=when))
    return set(result.artifacts), set(result.executions)
