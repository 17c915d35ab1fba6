"""Earlier versions of nodes, and nodes as they were at a past time.

Every update of an artifact, execution or context (a put, a deletion, a purge)
keeps the version it replaces in ``node_history``, in the update's transaction.
A version was the node's from its last_update_time_since_epoch until the next
version's; a node that did not exist yet (created after the time) has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from mdstore.store.audit.journal import touched, wrote_rows
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import batches, execute_many, fetch, fetch_chunked, insert_ids
from mdstore.store.records.blobs import parse_nodes
from mdstore.store.records.kinds import NodeKind
from mdstore.store.records.nodes import node_rows

H = schema.node_history_table
_COLUMNS = ("kind", "node_id", "valid_from", "valid_to", "proto")


def blob_without_id(node: Any) -> bytes:
    """A stored node's blob: the message as served, less its id."""
    copy = type(node)()
    copy.CopyFrom(node)
    copy.ClearField("id")
    return bytes(copy.SerializeToString(deterministic=True))


def keep_versions(conn: Transaction, kind: NodeKind, replaced: Sequence[Any], now: int) -> None:
    """Records the stored versions ``replaced`` (messages with ids) as ending at ``now``."""
    rows = [
        (kind.code, node.id, node.last_update_time_since_epoch, now, blob_without_id(node))
        for node in replaced
    ]
    ids = insert_ids(conn, H.name, _COLUMNS, rows)
    nodes = {f"{kind.label}:{node.id}" for node in replaced}
    wrote_rows(conn, H.name, [(i, *row) for i, row in zip(ids, rows, strict=True)], nodes)


# A node's version at a time: the current row when it was last updated by then,
# else the history row spanning the time.
_CURRENT_SQL = {
    "artifact": "SELECT id, proto, last_update_time_since_epoch, create_time_since_epoch"
    " FROM artifact WHERE id IN ({})",
    "execution": "SELECT id, proto, last_update_time_since_epoch, create_time_since_epoch"
    " FROM execution WHERE id IN ({})",
    "context": "SELECT id, proto, last_update_time_since_epoch, create_time_since_epoch"
    " FROM context WHERE id IN ({})",
}
_PAST_SQL = (
    f"SELECT node_id, proto FROM {H.name}"
    " WHERE kind = {} AND valid_from <= {} AND valid_to > {} AND node_id IN ({})"
)


def nodes_as_of(
    conn: Transaction, kind: NodeKind, ids: Iterable[int], as_of: int | None
) -> list[Any]:
    """The nodes with these ids as they were at ``as_of`` (None: now), by id.

    Nodes created after ``as_of``, and ids with no node, are left out.
    """
    return parse_nodes(kind, node_blobs_as_of(conn, kind, ids, as_of))


def node_blobs_as_of(
    conn: Transaction, kind: NodeKind, ids: Iterable[int], as_of: int | None
) -> list[tuple[Any, ...]]:
    """``nodes_as_of`` unparsed: ``(id, blob, ...)`` rows, by id (``parse_nodes``
    reads them; ``mdstore.wire.encoding.nodes`` sends them as they are)."""
    if as_of is None:
        return node_rows(conn, kind, ids)
    wanted = sorted(set(ids))
    if not wanted:
        return []
    rows = fetch_chunked(conn, _CURRENT_SQL[kind.label], wanted)
    current = [(r[0], r[1]) for r in rows if r[3] <= as_of and r[2] <= as_of]
    older = [r[0] for r in rows if r[3] <= as_of < r[2]]
    past = _versions_at(conn, kind, older, as_of)
    return sorted([*current, *past], key=lambda row: int(row[0]))


def _versions_at(conn: Transaction, kind: NodeKind, ids: list[int], as_of: int) -> list[Any]:
    found: list[Any] = []
    for batch in batches(ids):
        found.extend(fetch(conn, _PAST_SQL, [kind.code], [as_of], [as_of], batch))
    return found


def version_blobs(conn: Transaction, kind: NodeKind, ids: Iterable[int]) -> list[tuple[int, Any]]:
    """``(history row id, blob)`` of every kept version of these nodes."""
    template = f"SELECT id, proto FROM {H.name} WHERE kind = {kind.code} AND node_id IN ({{}})"
    return [(row[0], row[1]) for row in fetch_chunked(conn, template, sorted(set(ids)))]


def rewrite_versions(conn: Transaction, blobs: Sequence[tuple[int, bytes]]) -> None:
    """Replaces the blobs of history rows ``(row id, new blob)``."""
    rows = [(blob, row_id) for row_id, blob in blobs]
    execute_many(conn, f"UPDATE {H.name} SET proto = {{}} WHERE id = {{}}", rows)
    touched(conn, H.name, [(row_id,) for row_id, _ in blobs])
