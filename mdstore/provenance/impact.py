"""Impact: what a node's data ended up in (models, reports), and through which chain.

An end product is an artifact downstream of the start that nothing in the graph
consumed. One breadth-first walk finds them all together with a shortest chain
to each (``find_end_products``), so the cost is one traversal plus the chains' lengths.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from typing import Any

from mdstore.provenance.graph import ARTIFACT, DOWNSTREAM, LineageGraph, NodeId, to_ref
from mdstore.wire import v1


@dataclass(frozen=True)
class EndProducts:
    """The end products downstream of a node, from one breadth-first walk."""

    start: NodeId
    ids: list[int]  # ascending
    parents: Mapping[NodeId, NodeId]  # the walk's tree: child -> parent

    def messages(self, artifacts: Mapping[int, Any]) -> list[Any]:
        """``mdstore.v1.EndProduct`` messages by artifact id, each with ``path``
        running from the start to the end product along the events (a fewest-hop
        chain; among equally short ones, the one through the earliest recorded
        events).

        Args:
            artifacts: ``ml_metadata.Artifact`` messages by id, for the end
                products' type and name; an end product missing here still
                appears, with an empty type and name.
        """
        products = []
        for artifact_id in self.ids:
            artifact = artifacts.get(artifact_id)
            products.append(
                v1.EndProduct(
                    artifact_id=artifact_id,
                    type="" if artifact is None else artifact.type,
                    name="" if artifact is None else artifact.name,
                    path=[to_ref(step) for step in self._chain(NodeId(ARTIFACT, artifact_id))],
                )
            )
        return products

    def _chain(self, node: NodeId) -> list[NodeId]:
        """The tree's path from its root to ``node``, root first."""
        chain = [node]
        while chain[-1] in self.parents:
            chain.append(self.parents[chain[-1]])
        chain.reverse()
        return chain


def find_end_products(
    graph: LineageGraph, start: NodeId, truncated: Set[NodeId] = frozenset()
) -> EndProducts:
    """The end products downstream of ``start`` (never ``start`` itself).

    Args:
        graph: the answer's topology.
        start: where the walk starts (usually an artifact).
        truncated: nodes the walk reached but did not go past: whether anything
            consumed them is unknown, so they are no end products and no chain
            goes through them.
    """
    parents: dict[NodeId, NodeId] = {}
    found: list[int] = []
    for parent, child in graph.bfs_edges(start, DOWNSTREAM, stop=truncated):
        parents[child] = parent
        if child.kind == ARTIFACT and child not in truncated and not graph.out_degree(child):
            found.append(child.id)
    return EndProducts(start, sorted(found), parents)


def end_product_ids(
    graph: LineageGraph, start: NodeId, truncated: Set[NodeId] = frozenset()
) -> list[int]:
    """``find_end_products(...).ids``: the end products' ids, ascending."""
    return find_end_products(graph, start, truncated).ids


def end_products(
    graph: LineageGraph,
    start: NodeId,
    artifacts: Mapping[int, Any],
    truncated: Set[NodeId] = frozenset(),
) -> list[Any]:
    """``find_end_products(...).messages(artifacts)``."""
    return find_end_products(graph, start, truncated).messages(artifacts)
