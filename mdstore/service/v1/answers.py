"""Building the ``v1.LineageNodes`` of an answer: the nodes of one page with their
events, links, contexts and tombstones, in wire form.

Trace, Impact and Path answers hold every node of a page; those are sent as
stored (``mdstore.wire.encoding``), not parsed and copied into the response. The
response's other fields are a message serialized after them: protobuf fields may
come in any order on the wire.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mdstore.provenance.graph import NodeId
from mdstore.store.lineage.extract import ARTIFACT_NODE, PageNodes
from mdstore.wire import encoding
from mdstore.wire.encoding import Encoded

# Field numbers of v1.LineageNodes.
_ARTIFACTS, _EXECUTIONS, _CONTEXTS, _EVENTS = 1, 2, 3, 4
_ATTRIBUTIONS, _ASSOCIATIONS, _TOMBSTONES = 5, 6, 7


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


def lineage_nodes(page: PageNodes, event_blobs: Iterable[Any]) -> bytes:
    """The ``v1.LineageNodes`` of a loaded page and the stored blobs of the events
    that belong to it, serialized."""
    # An Attribution's node id is field 1 and its context id field 2, as encoding.links writes.
    return b"".join(
        (
            encoding.nodes(_ARTIFACTS, page.artifact_rows),
            encoding.nodes(_EXECUTIONS, page.execution_rows),
            encoding.nodes(_CONTEXTS, page.context_rows),
            encoding.repeated(_EVENTS, event_blobs),
            encoding.links(_ATTRIBUTIONS, page.attributions),
            encoding.links(_ASSOCIATIONS, page.associations),
            encoding.repeated(
                _TOMBSTONES,
                (page.tombstones[key].SerializeToString() for key in sorted(page.tombstones)),
            ),
        )
    )


def with_nodes(nodes: bytes, rest: Any) -> Encoded:
    """A response holding ``nodes`` (``lineage_nodes``) in its ``nodes`` field and
    the fields set on ``rest``, a message of the response's class with ``nodes`` unset."""
    number = rest.DESCRIPTOR.fields_by_name["nodes"].number
    return Encoded(type(rest), encoding.field(number, nodes) + rest.SerializeToString())
