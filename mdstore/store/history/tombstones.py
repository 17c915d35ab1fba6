"""Deleting nodes as tombstones, and purging their payload.

A deleted node stays, with its events, so lineage through it still answers. Its
deletion is a new version of the node (the previous one is kept in history):
an artifact's state becomes DELETED, and every kind gets the custom properties
``mdstore.state`` = "DELETED", ``mdstore.deleted_at`` and ``mdstore.deletion_reason``
(mdstore.wire.bookkeeping), which ml_metadata clients see (executions and
contexts have no DELETED state in MLMD's messages). A tombstone row records who
deleted it, when and why.

Purging erases the payload for right-to-erasure: the uri and every property but
the digest (``sha256``, ``digest``) and mdstore's own bookkeeping, in the node and
in every kept version of it. Id, type, name, external id and digest stay, so
lineage stays intact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select, update

from mdstore.errors import NotFoundError
from mdstore.store.audit.journal import touched
from mdstore.store.db import clock, schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import batches, fetch
from mdstore.store.history.versions import rewrite_versions, version_blobs
from mdstore.store.records.blobs import parse_nodes
from mdstore.store.records.kinds import ARTIFACT, KIND_BY_CODE, NodeKind
from mdstore.store.records.node_writes import put_nodes
from mdstore.store.records.nodes import nodes_by_id
from mdstore.store.records.validation import require
from mdstore.wire import bookkeeping, mlmd, v1

TOMBSTONE = schema.tombstone_table
KEPT_ON_PURGE = frozenset({"sha256", "digest"})
"""Property names a purge keeps: the content digest identifies, it does not reveal."""
_DELETED_STATE = mlmd.Artifact.State.Value("DELETED")


_TOMBSTONES_SQL = (
    "SELECT kind, node_id, deleted_at, principal, reason, purged_at FROM tombstone"
    " WHERE kind IN ({}) AND node_id IN ({})"
)


def tombstones_of(
    conn: Transaction, kind: NodeKind, ids: Iterable[int], as_of: int | None = None
) -> dict[int, Any]:
    """Node id -> ``v1.Tombstone`` of the nodes among ``ids`` deleted (by ``as_of``)."""
    found = tombstones_of_kinds(conn, {kind: ids}, as_of)
    return {node_id: stone for (_, node_id), stone in found.items()}


def tombstones_of_kinds(
    conn: Transaction, ids: Mapping[NodeKind, Iterable[int]], as_of: int | None = None
) -> dict[tuple[str, int], Any]:
    """``(kind label, id)`` -> ``v1.Tombstone`` of the nodes among ``ids`` (by kind)
    deleted (by ``as_of``): one statement for every kind, as a trace page asks."""
    # On the driver cursor: a Core select's compile costs more than the lookup.
    wanted = {(kind.code, node_id) for kind, node_ids in ids.items() for node_id in node_ids}
    codes = sorted({code for code, _ in wanted})
    found: dict[tuple[str, int], Any] = {}
    for batch in batches(sorted({node_id for _, node_id in wanted})):
        for row in fetch(conn, _TOMBSTONES_SQL, codes, batch):
            if (row[0], row[1]) in wanted and (as_of is None or row[2] <= as_of):
                found[(KIND_BY_CODE[row[0]].label, row[1])] = _message(row, as_of)
    return found


def _message(row: Sequence[Any], as_of: int | None) -> Any:
    kind, node_id, deleted_at, principal, reason, purged_at = row
    purged = purged_at is not None and (as_of is None or purged_at <= as_of)
    return v1.Tombstone(
        kind=kind,
        id=node_id,
        deleted_at_millis=deleted_at,
        principal=principal,
        reason=reason,
        purged_at_millis=purged_at if purged else 0,
    )


def delete_nodes(
    conn: Transaction,
    kind: NodeKind,
    ids: Sequence[int],
    reason: str,
    *,
    principal: str = "",
    purge: bool = False,
) -> list[Any]:
    """Deletes nodes (idempotent); returns their tombstones in ``ids`` order.

    Raises:
        InvalidArgumentError: no ids, or no reason.
        NotFoundError: an id with no node of ``kind``; nothing is deleted then.
    """
    require(bool(ids), f"name the {kind.plural} to delete")
    require(bool(reason.strip()), "a deletion needs a reason (--reason)")
    stored = {node.id: node for node in nodes_by_id(conn, kind, ids)}
    missing = [i for i in ids if i not in stored]
    if missing:
        raise NotFoundError(f"no {kind.label} with id {missing[0]}")
    fresh = sorted(set(ids) - set(tombstones_of(conn, kind, ids)))
    if fresh:
        now = clock.now_ms()
        _mark_deleted(conn, kind, [stored[i] for i in fresh], reason, now)
        rows = [
            {"kind": kind.code, "node_id": i, "deleted_at": now, "principal": principal}
            for i in fresh
        ]
        conn.execute(insert(TOMBSTONE), [{**row, "reason": reason} for row in rows])
        nodes = [f"{kind.label}:{i}" for i in fresh]
        touched(conn, TOMBSTONE.name, [(kind.code, i) for i in fresh], nodes)
    if purge:
        everything = tombstones_of(conn, kind, ids)
        purge_nodes(conn, kind, [i for i in set(ids) if not everything[i].purged_at_millis])
    final = tombstones_of(conn, kind, ids)
    return [final[i] for i in ids]


def _mark_deleted(
    conn: Transaction, kind: NodeKind, nodes: Sequence[Any], reason: str, now: int
) -> None:
    paths = [
        f"custom_properties.{name}"
        for name in (bookkeeping.STATE, bookkeeping.DELETED_AT, bookkeeping.DELETION_REASON)
    ]
    marked = []
    for node in nodes:
        change = kind.message(id=node.id, type_id=node.type_id)
        change.custom_properties[bookkeeping.STATE].string_value = bookkeeping.DELETED
        change.custom_properties[bookkeeping.DELETED_AT].int_value = now
        change.custom_properties[bookkeeping.DELETION_REASON].string_value = reason
        if kind is ARTIFACT:
            change.state = _DELETED_STATE
        marked.append(change)
    put_nodes(conn, kind, marked, [*paths, "state"] if kind is ARTIFACT else paths)


def purge_nodes(conn: Transaction, kind: NodeKind, ids: Iterable[int]) -> None:
    """Erases the payload of deleted nodes, in the node and all its kept versions."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    stripped = [strip_payload(node) for node in nodes_by_id(conn, kind, wanted)]
    put_nodes(conn, kind, stripped)
    rewritten = [
        (row_id, _stripped_blob(kind, blob)) for row_id, blob in version_blobs(conn, kind, wanted)
    ]
    rewrite_versions(conn, rewritten)
    t = TOMBSTONE
    for batch in batches(wanted):
        conn.execute(
            update(t)
            .where(t.c.kind == kind.code, t.c.node_id.in_(batch), t.c.purged_at.is_(None))
            .values(purged_at=clock.now_ms())
        )
    touched(conn, t.name, [(kind.code, i) for i in wanted], [f"{kind.label}:{i}" for i in wanted])


def strip_payload(node: Any) -> Any:
    """A copy of a node without its payload: no uri, and only the properties a
    purge keeps (digests, mdstore bookkeeping)."""
    kept = type(node)()
    kept.CopyFrom(node)
    if kept.DESCRIPTOR.fields_by_name.get("uri") is not None:
        kept.ClearField("uri")
    for field in ("properties", "custom_properties"):
        values = getattr(kept, field)
        for name in [n for n in values if not _kept(n)]:
            del values[name]
    return kept


def _kept(name: str) -> bool:
    return name in KEPT_ON_PURGE or bookkeeping.is_bookkeeping(name)


def _stripped_blob(kind: NodeKind, blob: Any) -> bytes:
    [node] = parse_nodes(kind, [(0, blob)])
    node = strip_payload(node)
    node.ClearField("id")
    return bytes(node.SerializeToString(deterministic=True))


def purge_deleted_before(conn: Transaction, before: int) -> list[tuple[NodeKind, int]]:
    """Purges every node deleted before ``before`` and not purged yet; returns them."""
    t = TOMBSTONE
    rows = conn.execute(
        select(t.c.kind, t.c.node_id)
        .where(t.c.deleted_at < before, t.c.purged_at.is_(None))
        .order_by(t.c.kind, t.c.node_id)
    ).all()
    purged: list[tuple[NodeKind, int]] = []
    for code in sorted({row.kind for row in rows}):
        kind = KIND_BY_CODE[code]
        ids = [row.node_id for row in rows if row.kind == code]
        purge_nodes(conn, kind, ids)
        purged.extend((kind, i) for i in ids)
    return purged
