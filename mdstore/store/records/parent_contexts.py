"""Parent/child links between contexts, with cycle detection.

Adding child -> parent closes a cycle when the child is already an ancestor of the
parent. Ancestors are found one level per query (not one query per context), and
links added earlier in the same request count, since they are already inserted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select

from mdstore.errors import AlreadyExistsError, InvalidArgumentError
from mdstore.store.audit.journal import wrote_rows
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import batches
from mdstore.store.records.kinds import CONTEXT
from mdstore.store.records.nodes import nodes_by_id, require_exist
from mdstore.store.records.validation import require

PARENT = schema.parent_context_table


def add_parent_contexts(conn: Transaction, links: Sequence[Any]) -> None:
    """Stores ``ParentContext(child_id, parent_id)`` links, in order.

    Raises:
        InvalidArgumentError: a link lacks an id, names an unknown context, or
            would close a cycle (a context its own ancestor).
        AlreadyExistsError: the link is stored already.
    """
    for link in links:
        require(
            link.HasField("child_id") and link.HasField("parent_id"),
            "a parent context needs both child_id and parent_id",
        )
    require_exist(conn, CONTEXT, [x for link in links for x in (link.child_id, link.parent_id)])
    for link in links:
        if _is_stored(conn, link.child_id, link.parent_id):
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
        pair = (link.child_id, link.parent_id)
        wrote_rows(conn, PARENT.name, [pair], [f"context:{i}" for i in pair])


def _is_stored(conn: Transaction, child_id: int, parent_id: int) -> bool:
    stored = conn.execute(
        select(PARENT.c.context_id).where(
            PARENT.c.context_id == child_id, PARENT.c.parent_context_id == parent_id
        )
    ).first()
    return stored is not None


def _is_ancestor(conn: Transaction, candidate: int, start: int) -> bool:
    """True when ``candidate`` is ``start`` or one of its ancestors."""
    seen, frontier = {start}, {start}
    while frontier:
        if candidate in frontier:
            return True
        parents: set[int] = set()
        for batch in batches(sorted(frontier)):
            parents.update(
                conn.execute(
                    select(PARENT.c.parent_context_id).where(PARENT.c.context_id.in_(batch))
                ).scalars()
            )
        frontier = parents - seen
        seen |= parents
    return False


def related_contexts(
    conn: Transaction, ids: Sequence[int], *, parents: bool
) -> dict[int, list[Any]]:
    """For each context id, its parents (or children) as Context messages, by id;
    contexts with none are left out."""
    key, other = (
        (PARENT.c.context_id, PARENT.c.parent_context_id)
        if parents
        else (PARENT.c.parent_context_id, PARENT.c.context_id)
    )
    pairs: list[tuple[int, int]] = []
    for batch in batches(sorted(set(ids))):
        pairs.extend((r[0], r[1]) for r in conn.execute(select(key, other).where(key.in_(batch))))
    contexts = {c.id: c for c in nodes_by_id(conn, CONTEXT, {o for _, o in pairs})}
    out: dict[int, list[Any]] = defaultdict(list)
    for k, o in sorted(pairs):
        out[k].append(contexts[o])
    return out
