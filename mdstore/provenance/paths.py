"""Paths: the chains of events that connect two nodes, shortest first.

Only the corridor between the two nodes is searched: the nodes reachable from
the source that also reach the target. When the corridor is acyclic (lineage
almost always is) the chains come from a best-first search whose estimate is
the exact hop count to the target (one breadth-first walk), so each chain costs
about its own length: a single 10,000-hop chain is found in one pass, where
Yen's algorithm would copy the chain once per node. A corridor with a cycle
(an execution that rewrote what it read) goes to networkx's
``shortest_simple_paths`` (Yen), which keeps the chains simple.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Set
from typing import Final

from mdstore.errors import InvalidArgumentError
from mdstore.provenance.graph import DOWNSTREAM, UPSTREAM, LineageGraph, NodeId

DEFAULT_CHAIN_LIMIT: Final = 10
"""Chains returned when the request asks for no particular number."""
MIN_CHAIN_LIMIT: Final = 1
MAX_CHAIN_LIMIT: Final = 1000
"""The most chains one call returns."""

# A chain under construction, newest node first: (node, the rest or None).
_Link = tuple[NodeId, "_Link | None"]


def check_limit(limit: int) -> None:
    """Validates how many chains are asked for.

    Raises:
        InvalidArgumentError: ``limit`` is not an int from 1 to 1000.
    """
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise InvalidArgumentError(f"the number of chains is an integer, got {limit!r}")
    if not MIN_CHAIN_LIMIT <= limit <= MAX_CHAIN_LIMIT:
        raise InvalidArgumentError(
            f"the number of chains is from {MIN_CHAIN_LIMIT} to {MAX_CHAIN_LIMIT}, got {limit}"
        )


def chains(
    graph: LineageGraph, source: NodeId, target: NodeId, limit: int = DEFAULT_CHAIN_LIMIT
) -> tuple[str, list[list[NodeId]]]:
    """How ``source`` and ``target`` are connected, and the chains that connect them.

    Args:
        graph: the lineage to search.
        source: one end; every chain starts here.
        target: the other end; every chain ends here.
        limit: the most chains to return (1 to 1000).

    Returns:
        ``("downstream", chains)`` when ``target`` is reachable from ``source``
        along the events (made from it), else ``("upstream", chains)`` when
        ``source`` is reachable from ``target`` (chains still listed from
        ``source`` to ``target``, so against the events), else ``("", [])``,
        also when either node is missing from the graph. Chains are simple
        (no node twice), fewest hops first, at most ``limit``. A node and
        itself are connected downstream by the one-node chain ``[source]``.

    Raises:
        InvalidArgumentError: ``limit`` is out of range.
    """
    check_limit(limit)
    if source not in graph or target not in graph:
        return "", []
    if source == target:
        return DOWNSTREAM, [[source]]
    found = _chains_along(graph, source, target, limit)
    if found:
        return DOWNSTREAM, found
    found = _chains_along(graph, target, source, limit)
    if found:
        return UPSTREAM, [chain[::-1] for chain in found]
    return "", []


def _chains_along(
    graph: LineageGraph, source: NodeId, target: NodeId, limit: int
) -> list[list[NodeId]]:
    """Up to ``limit`` chains from ``source`` to ``target`` along the edges."""
    to_target = graph.distances(target, UPSTREAM)
    if source not in to_target:
        return []
    corridor = {source} | (graph.descendants(source) & to_target.keys())
    # The whole graph is checked first: cheaper than a view of the corridor, and
    # almost always acyclic.
    if not graph.is_acyclic():
        inside = graph.subgraph(corridor)
        if not inside.is_acyclic():
            return list(itertools.islice(inside.shortest_simple_paths(source, target), limit))
    return _best_first(graph, source, target, limit, to_target, corridor)


def _best_first(
    graph: LineageGraph,
    source: NodeId,
    target: NodeId,
    limit: int,
    to_target: dict[NodeId, int],
    corridor: Set[NodeId],
) -> list[list[NodeId]]:
    """Chains in an acyclic corridor, fewest hops first (A* with an exact estimate).

    Every corridor node reaches the target, so no partial chain is a dead end;
    ties go to the longer partial chain (it completes first), then to the
    order in which chains were extended.
    """
    counter = itertools.count()
    # (hops so far + hops still needed, -hops so far, tie-breaker, node, chain before it)
    heap: list[tuple[int, int, int, NodeId, _Link | None]] = [
        (to_target[source], 0, next(counter), source, None)
    ]
    found: list[list[NodeId]] = []
    while heap and len(found) < limit:
        _, back, _, node, before = heapq.heappop(heap)
        link: _Link = (node, before)
        if node == target:
            found.append(_unlink(link))
            continue
        for child in graph.successors(node):
            if child in corridor:
                estimate = 1 - back + to_target[child]
                heapq.heappush(heap, (estimate, back - 1, next(counter), child, link))
    return found


def _unlink(link: _Link) -> list[NodeId]:
    chain = []
    current: _Link | None = link
    while current is not None:
        chain.append(current[0])
        current = current[1]
    chain.reverse()
    return chain
