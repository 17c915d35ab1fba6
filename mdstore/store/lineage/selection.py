"""Which nodes a walk starts from and stops at, chosen by filter queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select

from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import batches
from mdstore.store.filter.compiler import compile_filter
from mdstore.store.lineage.model import Filter
from mdstore.store.records import listing
from mdstore.store.records.kinds import ARTIFACT, NodeKind


def matching(conn: Transaction, kind: NodeKind, query: str) -> Filter:
    """A rule giving which of some node ids satisfy a filter query.

    Raises:
        InvalidArgumentError: the query does not compile.
    """
    condition = compile_filter(query, kind)

    def rule(ids: set[int]) -> set[int]:
        found: set[int] = set()
        for batch in batches(sorted(ids)):
            found.update(
                conn.execute(
                    select(kind.table.c.id).where(and_(kind.table.c.id.in_(batch), condition))
                ).scalars()
            )
        return found

    return rule


def not_matching(conn: Transaction, kind: NodeKind, query: str) -> Filter:
    """A rule giving which of some node ids do not satisfy a filter query."""
    keep = matching(conn, kind, query)
    return lambda ids: ids - keep(ids)


def ids_matching(conn: Transaction, kind: NodeKind, query: str) -> list[int]:
    """The ids of every node of ``kind`` that satisfies a filter query."""
    query_ids = select(kind.table.c.id).where(compile_filter(query, kind))
    return list(conn.execute(query_ids).scalars())


def first_artifact_ids(conn: Transaction, options: Any) -> list[int]:
    """The ids of the first page of artifacts that ListOperationOptions select."""
    page = listing.parse(options, ARTIFACT.table)
    query = select(ARTIFACT.table.c.id, page.order_column.label("order_value"))
    if options.filter_query:
        query = query.where(compile_filter(options.filter_query, ARTIFACT))
    return [row.id for row in conn.execute(listing.apply(query, page))][: page.limit]
