"""``mdstore.v1`` Delete and GarbageCollect: tombstones, purge, retention."""

from __future__ import annotations

from typing import Any

from mdstore.errors import InvalidArgumentError
from mdstore.service.v1.requests import node_kind
from mdstore.store import Transaction, principal
from mdstore.store.history.tombstones import delete_nodes, purge_deleted_before
from mdstore.wire import v1


def delete(conn: Transaction, request: Any) -> Any:
    """Delete: tombstones the nodes (idempotent); with purge, erases their payload."""
    kind = node_kind(request.kind, contexts=True)
    tombstones = delete_nodes(
        conn,
        kind,
        list(request.ids),
        request.reason,
        principal=principal(conn),
        purge=request.purge,
    )
    return v1.DeleteResponse(tombstones=tombstones)


def garbage_collect(conn: Transaction, request: Any) -> Any:
    """GarbageCollect: purges every node deleted before a time."""
    if request.deleted_before_millis <= 0:
        raise InvalidArgumentError("deleted_before_millis must be a time after the epoch")
    purged = purge_deleted_before(conn, request.deleted_before_millis)
    return v1.GarbageCollectResponse(
        purged=[v1.NodeRef(kind=kind.code, id=node_id) for kind, node_id in purged]
    )
