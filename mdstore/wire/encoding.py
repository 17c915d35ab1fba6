"""The one protobuf wire encoder: responses assembled from stored message bytes.

Every node and event row keeps its message serialized (store/records/blobs.py). A
response made of many of them (a page of nodes, a lineage graph) is built here as
bytes, one length-delimited field per element, instead of parsing each blob and
copying it into a response message. The gRPC servicer sends those bytes as they
are; in-process callers parse them once (``Encoded.parse``).

Only the two encodings this needs: varints and length-delimited fields. The
per-element loops are written out rather than composed from ``field``: a graph
runs them per node, and the extra calls were most of their cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_WIRE_VARINT, _WIRE_LEN = 0, 2
_ID_TAG = b"\x08"  # field 1, varint: a node's id, a link's node id
_CONTEXT_ID_TAG = b"\x10"  # field 2, varint: an Attribution's or Association's context_id


class Encoded:
    """A response message already in wire form, with the class it parses into."""

    __slots__ = ("data", "message_class")

    def __init__(self, message_class: Any, data: bytes) -> None:
        self.message_class = message_class
        self.data = data

    def parse(self) -> Any:
        """The response as a message."""
        return self.message_class.FromString(self.data)


def _encode(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# Lengths, tags and most ids are small: look them up rather than loop.
_SMALL = [_encode(v) for v in range(1 << 14)]


def varint(value: int) -> bytes:
    """Base-128 varint; negative int64 values take ten bytes (two's complement)."""
    if 0 <= value < 16384:
        return _SMALL[value]
    return _encode(value + (1 << 64) if value < 0 else value)


def field(number: int, payload: bytes) -> bytes:
    """One length-delimited field (an embedded message, string or bytes)."""
    return varint(number << 3 | _WIRE_LEN) + varint(len(payload)) + payload


def int_field(number: int, value: int) -> bytes:
    """One varint field (int64, int32, enum)."""
    return varint(number << 3 | _WIRE_VARINT) + varint(value)


def repeated(number: int, payloads: Iterable[Any]) -> bytes:
    """A repeated message field holding ``payloads`` (bytes-like) in order."""
    tag = varint(number << 3 | _WIRE_LEN)
    parts: list[Any] = []
    for payload in payloads:
        parts += (tag, varint(len(payload)), payload)
    return b"".join(parts)


def nodes(number: int, rows: Iterable[Any]) -> bytes:
    """Field ``number`` repeated, one node per ``(id, blob, ...)`` row.

    A node's stored blob leaves out its id (unknown until the INSERT), so each
    element is the id (field 1) followed by the blob: fields may come in any order
    on the wire, so that is the whole message.
    """
    tag = varint(number << 3 | _WIRE_LEN)
    parts: list[Any] = []
    for row in rows:
        head = _ID_TAG + varint(row[0])
        blob = row[1]
        parts += (tag, varint(len(head) + len(blob)), head, blob)
    return b"".join(parts)


def ids(number: int, node_ids: Iterable[int]) -> bytes:
    """Field ``number`` repeated, one node per id holding only its id (a
    "dehydrated" node, as MLMD's GetLineageSubgraph returns them)."""
    tag = varint(number << 3 | _WIRE_LEN)
    parts: list[bytes] = []
    for node_id in node_ids:
        body = _ID_TAG + varint(node_id)
        parts += (tag, varint(len(body)), body)
    return b"".join(parts)


def links(number: int, pairs: Iterable[tuple[int, int]]) -> bytes:
    """Attributions or Associations from ``(context_id, node_id)`` pairs: the node
    id is field 1 of both messages, the context id field 2."""
    tag = varint(number << 3 | _WIRE_LEN)
    parts: list[bytes] = []
    for context_id, node_id in pairs:
        body = _ID_TAG + varint(node_id) + _CONTEXT_ID_TAG + varint(context_id)
        parts += (tag, varint(len(body)), body)
    return b"".join(parts)
