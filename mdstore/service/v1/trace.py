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
from mdstore.provenance.impact import find_end_products
from mdstore.provenance.summary import trace_summary
from mdstore.service.v1.answers import lineage_nodes, node_ids, tombstones_by_node, with_nodes
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
from mdstore.store.records.blobs import ParsedNodes
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
    event_blobs: list[Any]  # of the page's executions' events
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
        ParsedNodes(ARTIFACT, page.artifact_rows),  # the summary parses its sources only
        ParsedNodes(EXECUTION, page.execution_rows),
        tombstones_by_node(page),
        node_ids(answer.found.truncated),
        hops=answer.hops,
    )
    rest = v1.TraceResponse(
        summary=summary, next_page_token=answer.next_page_token, total_nodes=answer.total
    )
    return with_nodes(lineage_nodes(page, answer.event_blobs), rest)


def impact(conn: Transaction, request: Any) -> Any:
    """Impact: everything made from an artifact; the end products on the first page."""
    answer = _answer(conn, request, ARTIFACT.label, request.artifact_id, DOWNSTREAM)
    rest = v1.ImpactResponse(next_page_token=answer.next_page_token, total_nodes=answer.total)
    if not request.options.page_token:
        found = find_end_products(answer.graph, answer.start, node_ids(answer.found.truncated))
        # End products on this page are loaded already; only the others are read.
        on_page = ParsedNodes(ARTIFACT, answer.page.artifact_rows)
        elsewhere = [i for i in found.ids if i not in on_page]
        loaded = {a.id: a for a in nodes_as_of(conn, ARTIFACT, elsewhere, answer.when)}
        loaded.update((i, on_page[i]) for i in found.ids if i in on_page)
        rest.end_products.extend(found.messages(loaded))
    return with_nodes(lineage_nodes(answer.page, answer.event_blobs), rest)


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
    edges = ((row[2], row[3], row[4]) for row in found.event_rows)
    graph = LineageGraph.from_event_rows(edges, nodes=[start])
    hops = graph.distances(start, direction, stop=node_ids(found.truncated))
    offset, size = (token[0] if token else 0), page_size(request.options)
    total = len(found.artifacts) + len(found.executions)
    artifacts, executions = _page(hops, found, offset, size)
    more = offset + size < total
    snapshot = when if when is not None else snapshot
    return _Answer(
        start=start,
        graph=graph,
        hops=hops,
        found=found,
        page=page_nodes(conn, artifacts, executions, when),
        event_blobs=[row[1] for row in found.event_rows if row[3] in executions],
        next_page_token=make_token(request, offset + size, snapshot) if more else "",
        total=total,
        when=when,
    )


def _page(
    hops: dict[NodeId, int], found: Extract, offset: int, size: int
) -> tuple[set[int], set[int]]:
    """The artifacts and executions of the page of ``size`` nodes from ``offset`` in
    the answer's order: nearest first, then artifacts before executions, then by id."""
    if offset == 0 and len(found.artifacts) + len(found.executions) <= size:
        return found.artifacts, found.executions  # one page holds the whole answer
    far = len(hops) + 1  # a walked node the graph cannot reach (none expected)
    order = [(hops.get(NodeId.artifact(i), far), 0, i) for i in found.artifacts]
    order += [(hops.get(NodeId.execution(i), far), 1, i) for i in found.executions]
    order.sort()
    chosen = order[offset : offset + size]
    return {i for _, kind, i in chosen if kind == 0}, {i for _, kind, i in chosen if kind == 1}
