"""Attributions and associations: which artifacts and executions a context holds.

A duplicate attribution or association is kept once, silently, as in MLMD.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import execute_many, fetch_pairs, insert_sql

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
    new = [(c, n) for c, n in wanted if (c, n) not in existing]
    execute_many(conn, insert_sql(table.name, columns), new)
