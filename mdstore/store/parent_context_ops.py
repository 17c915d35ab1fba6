"""Parent/child links between contexts, with cycle detection.

Adding child -> parent closes a cycle when the child is already an ancestor of the
parent. Ancestors are found one level per query (not one query per context), and
links added earlier in the same request count, since they are already inserted.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, insert, select

from mdstore.errors import AlreadyExistsError, InvalidArgumentError
from mdstore.store import schema
from mdstore.store.link_ops import missing_ids
from mdstore.store.nodes import CONTEXT, chunks, load_nodes
from mdstore.store.rpc import rpc
from mdstore.store.validation import require
from mdstore.wire import mlmd

PARENT = schema.parent_context_table


def _is_ancestor(conn: Connection, candidate: int, start: int) -> bool:
    """True when ``candidate`` is ``start`` or one of its ancestors."""
    seen, frontier = {start}, {start}
    while frontier:
        if candidate in frontier:
            return True
        parents: set[int] = set()
        for chunk in chunks(sorted(frontier)):
            parents.update(
                conn.execute(
                    select(PARENT.c.parent_context_id).where(PARENT.c.context_id.in_(chunk))
                ).scalars()
            )
        frontier = parents - seen
        seen |= parents
    return False


@rpc("PutParentContexts")
def put_parent_contexts(conn: Connection, request: Any) -> Any:
    """Adds child -> parent links; ALREADY_EXISTS for a stored pair, INVALID_ARGUMENT
    for unknown contexts or a cycle."""
    links = list(request.parent_contexts)
    for link in links:
        require(
            link.HasField("child_id") and link.HasField("parent_id"),
            "a parent context needs both child_id and parent_id",
        )
    missing = missing_ids(
        conn, CONTEXT, [x for link in links for x in (link.child_id, link.parent_id)]
    )
    if missing:
        raise InvalidArgumentError(f"no context with id {missing[0]}")
    for link in links:
        stored = conn.execute(
            select(PARENT.c.context_id).where(
                PARENT.c.context_id == link.child_id, PARENT.c.parent_context_id == link.parent_id
            )
        ).first()
        if stored is not None:
            raise AlreadyExistsError(
                f"context {link.parent_id} is already a parent of context {link.child_id}"
            )
        if _is_ancestor(conn, link.child_id, link.parent_id):
            raise InvalidArgumentError(
                f"making context {link.parent_id} a parent of context {link.child_id} "
                "would create a cycle"
            )
        conn.execute(
            insert(PARENT).values(context_id=link.child_id, parent_context_id=link.parent_id)
        )
    return mlmd.PutParentContextsResponse()


def _related(conn: Connection, ids: list[int], *, parents: bool) -> dict[int, list[Any]]:
    """For each context id, its parents (or children) as Context messages."""
    key, other = (
        (PARENT.c.context_id, PARENT.c.parent_context_id)
        if parents
        else (PARENT.c.parent_context_id, PARENT.c.context_id)
    )
    pairs: list[tuple[int, int]] = []
    for chunk in chunks(sorted(set(ids))):
        pairs.extend((r[0], r[1]) for r in conn.execute(select(key, other).where(key.in_(chunk))))
    contexts: dict[int, Any] = {}
    for chunk in chunks(sorted({o for _, o in pairs})):
        contexts.update((c.id, c) for c in load_nodes(conn, CONTEXT, CONTEXT.table.c.id.in_(chunk)))
    out: dict[int, list[Any]] = defaultdict(list)
    for k, o in sorted(pairs):
        out[k].append(contexts[o])
    return out


@rpc("GetParentContextsByContext", read_only=True)
def get_parent_contexts_by_context(conn: Connection, request: Any) -> Any:
    found = _related(conn, [request.context_id], parents=True)
    return mlmd.GetParentContextsByContextResponse(contexts=found.get(request.context_id, []))


@rpc("GetChildrenContextsByContext", read_only=True)
def get_children_contexts_by_context(conn: Connection, request: Any) -> Any:
    found = _related(conn, [request.context_id], parents=False)
    return mlmd.GetChildrenContextsByContextResponse(contexts=found.get(request.context_id, []))


@rpc("GetParentContextsByContexts", read_only=True)
def get_parent_contexts_by_contexts(conn: Connection, request: Any) -> Any:
    """Parents of each requested context; contexts without parents are left out."""
    response = mlmd.GetParentContextsByContextsResponse()
    for child, parents in _related(conn, list(request.context_ids), parents=True).items():
        response.contexts[child].parent_contexts.extend(parents)
    return response


@rpc("GetChildrenContextsByContexts", read_only=True)
def get_children_contexts_by_contexts(conn: Connection, request: Any) -> Any:
    """Children of each requested context; contexts without children are left out."""
    response = mlmd.GetChildrenContextsByContextsResponse()
    for parent, children in _related(conn, list(request.context_ids), parents=False).items():
        response.contexts[parent].children_contexts.extend(children)
    return response
