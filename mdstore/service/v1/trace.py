"""``mdstore.v1`` Trace and Impact: a walk in SQL, analysed by mdstore.provenance, paged.

An answer's nodes are ordered nearest first (then artifacts before executions,
then by id) and cut into pages of ``page_size`` nodes. Every page answers as of
one time: the request's as_of, or the first page's time, which the page token
carries, so later pages describe the same snapshot. Each page holds its nodes, the
events of its executions, their contexts and tombstones, and its share of the
summary.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from mdstore.provenance.graph import DOWNSTREAM, UPSTREAM, Direction, LineageGraph, NodeId
from mdstore.provenance.impact import end_product_ids, end_products
from mdstore.provenance.summary import trace_summary
from mdstore.service.v1.answers import lineage_nodes, node_ids, tombstones_by_node
from mdstore.service.v1.requests import (
    existing_node,
    limits,
    make_token,
    node_kind,
    page_size,
    read_token,
)
from mdstore.store import Transaction
from mdstore.store.db import clock
from mdstore.store.history.versions import nodes_as_of
from mdstore.store.lineage import model
from mdstore.store.lineage.extract import Extract, PageNodes, extract, page_nodes
from mdstore.store.records.kinds import ARTIFACT, EXECUTION
from mdstore.wire import v1

_WALKS = {UPSTREAM: model.UPSTREAM, DOWNSTREAM: model.DOWNSTREAM}


@dataclass
class _Answer:
    """One page of a walk's answer."""

    start: NodeId
    graph: LineageGraph
    hops: dict[NodeId, int]  # from the start, for every node it reaches
    found: Extract
    page: PageNodes
    events: list[Any]
    next_page_token: str
    total: int
    when: int | None  # the time the answer is as of (None: now)


def trace(conn: Transaction, request: Any) -> Any:
    """Trace: everything an artifact or execution was made from, with a summary."""
    kind = node_kind(request.node.kind)
    answer = _answer(conn, request, kind.label, request.node.id, UPSTREAM)
    page = answer.page
    summary = trace_summary(
        answer.graph,
        answer.start,
        {a.id: a for a in page.artifacts},
        {e.id: e for e in page.executions},
        tombstones_by_node(page),
        node_ids(answer.found.truncated),
        hops=answer.hops,
    )
    return v1.TraceResponse(
        nodes=lineage_nodes(page, answer.events),
        summary=summary,
        next_page_token=answer.next_page_token,
        total_nodes=answer.total,
    )


def impact(conn: Transaction, request: Any) -> Any:
    """Impact: everything made from an artifact; the end products on the first page."""
    answer = _answer(conn, request, ARTIFACT.label, request.artifact_id, DOWNSTREAM)
    response = v1.ImpactResponse(
        nodes=lineage_nodes(answer.page, answer.events),
        next_page_token=answer.next_page_token,
        total_nodes=answer.total,
    )
    if not request.options.page_token:
        truncated = node_ids(answer.found.truncated)
        ids = end_product_ids(answer.graph, answer.start, truncated)
        loaded = {a.id: a for a in nodes_as_of(conn, ARTIFACT, ids, answer.when)}
        response.end_products.extend(end_products(answer.graph, answer.start, loaded, truncated))
    return response


def _answer(
    conn: Transaction, request: Any, label: str, node_id: int, direction: Direction
) -> _Answer:
    snapshot = clock.now_ms()  # later pages answer as of this when nothing else is set
    token = read_token(request)
    walk_limits = limits(conn, request.options, _WALKS[direction])
    when = token[1] if token is not None else walk_limits.as_of
    walk_limits = replace(walk_limits, as_of=when)
    kind = ARTIFACT if label == ARTIFACT.label else EXECUTION
    existing_node(conn, kind, node_id, when)
    start = NodeId.artifact(node_id) if kind is ARTIFACT else NodeId.execution(node_id)
    found = extract(
        conn,
        {node_id} if kind is ARTIFACT else set(),
        {node_id} if kind is EXECUTION else set(),
        walk_limits,
    )
    graph = LineageGraph.from_events(found.events, nodes=[start], paths=False)
    hops = graph.distances(start, direction, stop=node_ids(found.truncated))
    order = _order(hops, found)
    offset, size = (token[0] if token else 0), page_size(request.options)
    chosen = order[offset : offset + size]
    artifacts = {n.id for n in chosen if n.kind == ARTIFACT.label}
    executions = {n.id for n in chosen if n.kind == EXECUTION.label}
    more = offset + size < len(order)
    snapshot = when if when is not None else snapshot
    return _Answer(
        start=start,
        graph=graph,
        hops=hops,
        found=found,
        page=page_nodes(conn, artifacts, executions, when),
        events=[e for e in found.events if e.execution_id in executions],
        next_page_token=make_token(request, offset + size, snapshot) if more else "",
        total=len(order),
        when=when,
    )


def _order(hops: dict[NodeId, int], found: Extract) -> list[NodeId]:
    """The answer's nodes, nearest first, then artifacts before executions, then by id."""
    nodes = [NodeId.artifact(i) for i in found.artifacts]
    nodes += [NodeId.execution(i) for i in found.executions]
    far = len(nodes) + 1  # a walked node the graph cannot reach (none expected)
    return sorted(nodes, key=lambda n: (hops.get(n, far), n.kind != ARTIFACT.label, n.id))
