"""Building ``v1.LineageNodes``: the nodes of one page with their events, links,
contexts and tombstones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mdstore.provenance.graph import NodeId
from mdstore.store.lineage.extract import ARTIFACT_NODE, PageNodes
from mdstore.wire import mlmd, v1


def node_id(key: tuple[str, int]) -> NodeId:
    """The provenance ``NodeId`` of a store's ``(kind label, id)`` key."""
    kind, ident = key
    return NodeId.artifact(ident) if kind == ARTIFACT_NODE else NodeId.execution(ident)


def node_ids(keys: Iterable[tuple[str, int]]) -> set[NodeId]:
    """``node_id`` of each key."""
    return {node_id(key) for key in keys}


def tombstones_by_node(page: PageNodes) -> dict[NodeId, Any]:
    """A page's artifact and execution tombstones, by ``NodeId`` (contexts left out)."""
    return {node_id(key): stone for key, stone in page.tombstones.items() if key[0] != "context"}


def lineage_nodes(page: PageNodes, events: Iterable[Any]) -> Any:
    """The ``v1.LineageNodes`` of a loaded page and the events that belong to it."""
    return v1.LineageNodes(
        artifacts=page.artifacts,
        executions=page.executions,
        contexts=page.contexts,
        events=list(events),
        attributions=[mlmd.Attribution(context_id=c, artifact_id=a) for c, a in page.attributions],
        associations=[mlmd.Association(context_id=c, execution_id=e) for c, e in page.associations],
        tombstones=[page.tombstones[key] for key in sorted(page.tombstones)],
    )
