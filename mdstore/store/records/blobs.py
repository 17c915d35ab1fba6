"""Nodes and events kept as serialized messages beside their columns.

Every artifact, execution, context and event row carries ``proto``: the message as
the API returns it, serialized once when the row is written. Reads parse that one
column (a single C call per node) instead of joining the property and path tables
and rebuilding the message field by field in Python, which was most of a read's
cost. The columns and the property/path tables are still written: lookups, filters
and lineage queries run on them.

A node's blob leaves its id out, because the id is only known after the INSERT;
readers set it from the row (and ``mdstore.wire.encoding.nodes`` writes it in
front of the blob).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any


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


class ParsedNodes(Mapping[int, Any]):
    """Node messages by id from ``(id, blob, ...)`` rows, each parsed when first read:
    a trace summary reads a few of a page's artifacts, the page sends the rest as
    they are stored."""

    def __init__(self, kind: Any, rows: Iterable[Any]) -> None:
        self._parse = kind.message.FromString
        self._rows = {row[0]: row[1] for row in rows}
        self._parsed: dict[int, Any] = {}

    def __getitem__(self, node_id: int) -> Any:
        found = self._parsed.get(node_id)
        if found is None:
            found = self._parse(as_bytes(self._rows[node_id]))
            found.id = node_id
            self._parsed[node_id] = found
        return found

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._rows  # without parsing the node, as Mapping's would

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


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
    """Event messages from their stored blobs."""
    parse = event_class.FromString
    return [parse(as_bytes(blob)) for blob in blobs]


def as_bytes(blob: Any) -> bytes:
    """A blob column's value as bytes."""
    # psycopg returns bytea as memoryview; sqlite3 and PyMySQL return bytes.
    return blob if isinstance(blob, bytes) else bytes(blob)
