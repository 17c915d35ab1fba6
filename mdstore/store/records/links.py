"""Attributions and associations: which artifacts and executions a context holds.

A duplicate attribution or association is kept once, silently, as in MLMD.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from mdstore.store.audit.journal import wrote_rows
from mdstore.store.db import clock, schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import batches, execute_many, fetch, fetch_pairs, insert_sql

ATTRIBUTION = schema.attribution_table
ASSOCIATION = schema.association_table


def attribute(
    conn: Transaction, pairs: Iterable[tuple[int, int]], fresh: Collection[int] = ()
) -> None:
    """Stores the (context_id, artifact_id) attributions that are not stored yet.

    ``fresh`` holds artifact ids created in this transaction: they cannot be
    attributed yet, so their pairs skip the lookup of stored links.
    """
    _link(conn, ATTRIBUTION, "artifact_id", pairs, fresh)


def associate(
    conn: Transaction, pairs: Iterable[tuple[int, int]], fresh: Collection[int] = ()
) -> None:
    """Stores the (context_id, execution_id) associations that are not stored yet
    (``fresh`` as for ``attribute``)."""
    _link(conn, ASSOCIATION, "execution_id", pairs, fresh)


def _link(
    conn: Transaction,
    table: Any,
    node_column: str,
    pairs: Iterable[tuple[int, int]],
    fresh: Collection[int],
) -> None:
    wanted = sorted(set(pairs))
    if not wanted:
        return
    columns = ("context_id", node_column)
    unsure = [(c, n) for c, n in wanted if n not in fresh]
    select = f"SELECT context_id, {node_column} FROM {table.name}"
    existing = {(c, n) for c, n in fetch_pairs(conn, select, columns, unsure)}
    now = clock.now_ms()
    new = [(c, n, now) for c, n in wanted if (c, n) not in existing]
    execute_many(conn, insert_sql(table.name, (*columns, "recorded_at")), new)
    kind = node_column.removesuffix("_id")
    touched_nodes = {f"{k}:{i}" for c, n, _ in new for k, i in (("context", c), (kind, n))}
    wrote_rows(conn, table.name, new, touched_nodes)


# Driver-level SQL: a node's links, all or as of a time (recorded by then).
_LINKS_SQL = "SELECT context_id, {column} FROM {table} WHERE {column} IN ({{}})"
_LINKS_AS_OF_SQL = (
    "SELECT context_id, {column} FROM {table} WHERE recorded_at <= {{}} AND {column} IN ({{}})"
)


def links_of(
    conn: Transaction, artifact_ids: Iterable[int], execution_ids: Iterable[int], as_of: int | None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The ``(context_id, node_id)`` attributions of the artifacts and associations
    of the executions (stored by ``as_of``, when set), each sorted."""
    return (
        _links_of(conn, ATTRIBUTION.name, "artifact_id", artifact_ids, as_of),
        _links_of(conn, ASSOCIATION.name, "execution_id", execution_ids, as_of),
    )


def _links_of(
    conn: Transaction, table: str, column: str, ids: Iterable[int], as_of: int | None
) -> list[tuple[int, int]]:
    rows: list[tuple[Any, ...]] = []
    for batch in batches(sorted(set(ids))):
        if as_of is None:
            rows.extend(fetch(conn, _LINKS_SQL.format(table=table, column=column), batch))
        else:
            template = _LINKS_AS_OF_SQL.format(table=table, column=column)
            rows.extend(fetch(conn, template, [as_of], batch))
    return sorted((r[0], r[1]) for r in rows)
