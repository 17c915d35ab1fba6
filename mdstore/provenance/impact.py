"""Impact: what a node's data ended up in (models, reports), and through which chain.

An end product is an artifact downstream of the start that nothing in the graph
consumed. One breadth-first walk finds them all together with a shortest chain
to each, so the cost is one traversal plus the chains' lengths.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from mdstore.provenance.graph import ARTIFACT, DOWNSTREAM, LineageGraph, NodeId, to_ref
from mdstore.wire import v1


def end_product_ids(
    graph: LineageGraph, start: NodeId, truncated: Set[NodeId] = frozenset()
) -> list[int]:
    """The ids of the end products downstream of ``start``, ascending.

    Lets a caller load just those artifacts before calling ``end_products``.

    Args:
        graph: the answer's topology.
        start: where the walk starts (usually an artifact).
        truncated: nodes the walk reached but did not go past: whether anything
            consumed them is unknown, so they are no end products and no chain
            goes through them.
    """
    return sorted(_walk(graph, start, truncated)[1])


def end_products(
    graph: LineageGraph,
    start: NodeId,
    artifacts: Mapping[int, Any],
    truncated: Set[NodeId] = frozenset(),
) -> list[Any]:
    """The end products downstream of ``start``, each with a shortest chain to it.

    Args:
        graph: the answer's topology.
        start: where the walk starts (usually an artifact); never its own end
            product.
        artifacts: ``ml_metadata.Artifact`` messages by id, for the end products'
            type and name; an end product missing here still appears, with an
            empty type and name.
        truncated: as in ``end_product_ids``.

    Returns:
        ``mdstore.v1.EndProduct`` messages by artifact id, each with ``path``
        running from ``start`` to the end product along the events (a fewest-hop
        chain; among equally short ones, the one through the earliest recorded
        events).
    """
    parents, found = _walk(graph, start, truncated)
    products = []
    for artifact_id in sorted(found):
        node = NodeId(ARTIFACT, artifact_id)
        artifact = artifacts.get(artifact_id)
        products.append(
            v1.EndProduct(
                artifact_id=artifact_id,
                type="" if artifact is None else artifact.type,
                name="" if artifact is None else artifact.name,
                path=[to_ref(step) for step in _chain(parents, node)],
            )
        )
    return products


def _walk(
    graph: LineageGraph, start: NodeId, truncated: Set[NodeId]
) -> tuple[dict[NodeId, NodeId], list[int]]:
    """The breadth-first tree downstream of ``start`` (child -> parent) and the
    ids of the end products in it."""
    parents: dict[NodeId, NodeId] = {}
    found: list[int] = []
    for parent, child in graph.bfs_edges(start, DOWNSTREAM, stop=truncated):
        parents[child] = parent
        if child.kind == ARTIFACT and child not in truncated and not graph.out_degree(child):
            found.append(child.id)
    return parents, found


def _chain(parents: Mapping[NodeId, NodeId], node: NodeId) -> list[NodeId]:
    """The tree's path from its root to ``node``, root first."""
    chain = [node]
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
    chain.reverse()
    return chain
