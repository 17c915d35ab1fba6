"""Attributions and associations: which artifacts and executions a context holds.

A duplicate attribution or association is kept once, silently, as in MLMD.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from itertools import zip_longest
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


# Driver-level SQL: the links of some nodes (recorded by a time, when timed), as
# rows ``(0 for an attribution or 1 for an association, context_id, node id)``.
_LINK_TABLES = ((0, ATTRIBUTION.name, "artifact_id"), (1, ASSOCIATION.name, "execution_id"))


def _links_sql(code: int, timed: bool) -> str:
    _, table, column = _LINK_TABLES[code]
    when = " recorded_at <= {} AND" if timed else ""
    return f"SELECT {code}, context_id, {column} FROM {table} WHERE{when} {column} IN ({{}})"


def links_of(
    conn: Transaction, artifact_ids: Iterable[int], execution_ids: Iterable[int], as_of: int | None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The ``(context_id, node_id)`` attributions of the artifacts and associations
    of the executions (stored by ``as_of``, when set), each sorted."""
    # One statement for both tables while the ids fit one batch (a trace page asks).
    found: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])
    none: list[int] = []
    pairs = zip_longest(
        batches(sorted(set(artifact_ids))), batches(sorted(set(execution_ids))), fillvalue=none
    )
    for a_batch, e_batch in pairs:
        parts, lists = [], []
        for code, batch in ((0, a_batch), (1, e_batch)):
            if batch:
                parts.append(_links_sql(code, as_of is not None))
                lists += [batch] if as_of is None else [[as_of], batch]
        for code, context_id, node_id in fetch(conn, " UNION ALL ".join(parts), *lists):
            found[code].append((context_id, node_id))
    return sorted(found[0]), sorted(found[1])
