"""Nodes and events kept as serialized messages beside their columns.

Every artifact, execution, context and event row carries ``proto``: the message as
the API returns it, serialized once when the row is written. Reads parse that one
column (a single C call per node) instead of joining the property and path tables
and rebuilding the message field by field in Python, which was most of a read's
cost. The columns and the property/path tables are still written: lookups, filters
and lineage queries run on them.

A node's blob leaves its id out, because the id is only known after the INSERT;
readers set it from the row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mdstore.store.wire_bytes import varint


def node_blob(kind: Any, node: Any, type_name: str, created: int, updated: int) -> bytes:
    """The stored form of ``node`` (a request message or a merged update).

    Only fields mdstore stores are kept, so a client's stray fields (a ``type``
    that disagrees with type_id, system_metadata) never reach later reads.
    """
    fields = {
        f: getattr(node, f) for f in (*kind.fields, "name", "external_id") if node.HasField(f)
    }
    message = kind.message(
        type_id=node.type_id,
        type=type_name,
        create_time_since_epoch=created,
        last_update_time_since_epoch=updated,
        properties=node.properties,
        custom_properties=node.custom_properties,
        **fields,
    )
    return bytes(message.SerializeToString(deterministic=True))


def parse_nodes(kind: Any, rows: Iterable[Any]) -> list[Any]:
    """Messages from ``(id, proto, ...)`` rows, in row order."""
    parse = kind.message.FromString
    out = []
    for row in rows:
        message = parse(as_bytes(row[1]))
        message.id = row[0]
        out.append(message)
    return out


def repeated_nodes(number: int, rows: Iterable[Any]) -> bytes:
    """Field ``number`` repeated, one node per ``(id, proto, ...)`` row: each node
    is its id (field 1, which the blob leaves out) followed by its blob; fields may
    come in any order on the wire, so that is the whole message.

    Inlined rather than built from wire_bytes' helpers because a page or graph runs
    it per node and those cost about three times as much.
    """
    tag = varint(number << 3 | 2)
    parts: list[bytes] = []
    append = parts.append
    for row in rows:
        head = b"\x08" + varint(row[0])  # field 1 (id), varint
        blob = as_bytes(row[1])
        append(tag)
        append(varint(len(head) + len(blob)))
        append(head)
        append(blob)
    return b"".join(parts)


def repeated_ids(number: int, rows: Iterable[Any]) -> bytes:
    """Field ``number`` repeated, one node per ``(id, ...)`` row, holding only its id
    (a "dehydrated" node, as MLMD's GetLineageSubgraph returns them)."""
    tag = varint(number << 3 | 2)
    parts: list[bytes] = []
    for row in rows:
        body = b"\x08" + varint(row[0])  # field 1 (id), varint
        parts += (tag, varint(len(body)), body)
    return b"".join(parts)


def event_blob(event: Any, milliseconds: int) -> bytes:
    """The stored form of an event: its ids, type, path and time."""
    message = type(event)(
        artifact_id=event.artifact_id,
        execution_id=event.execution_id,
        type=event.type,
        milliseconds_since_epoch=milliseconds,
    )
    if event.path.steps:  # an empty path reads back unset, as MLMD returns it
        message.path.CopyFrom(event.path)
    return bytes(message.SerializeToString(deterministic=True))


def parse_events(event_class: Any, blobs: Iterable[Any]) -> list[Any]:
    parse = event_class.FromString
    return [parse(as_bytes(blob)) for blob in blobs]


def as_bytes(blob: Any) -> bytes:
    """A blob column's value as bytes."""
    # psycopg returns bytea as memoryview; sqlite3 and PyMySQL return bytes.
    return blob if isinstance(blob, bytes) else bytes(blob)
