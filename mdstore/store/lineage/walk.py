"""Lineage traversal: breadth-first, as few SQL statements as the database allows.

There is no hop cap: MLMD silently stops at 100. (Directions and limits: model.py.)

The reference walk (``walk_by_hops``) reads the events touching the whole
frontier in one query per hop, never a query per node, and handles every limit:
stop and exclude filters, a node cap. A hop costs a round trip on a server
backend and more Python than SQL on SQLite, so when only the hop limit and the
direction apply, ``walk`` lets a ``WITH RECURSIVE`` statement (recursive.py) do
many hops at once:

* The whole walk in one statement when the statement can visit each node once:
  without a hop limit (rows are just nodes, and UNION drops those seen), and on
  MariaDB, whose ``CYCLE ... RESTRICT`` drops a node seen at an earlier hop.
* Otherwise (SQLite and PostgreSQL with a hop limit) rows must carry their hop,
  so a node reached by paths of several lengths comes back once per length: on a
  bushy graph the statement does many times the per-hop walk's work. So the walk
  goes hop by hop, and "leaps" several hops in one statement only from a narrow
  frontier, with a row budget: a statement cut at the budget still holds every
  hop before its last one whole (rows come in hop order), and the walk goes on
  from there.

Every way gives the same nodes at the same (lowest) hop distances;
tests/store/lineage/test_walks.py compares them on random graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import zip_longest
from typing import Any

from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import CHUNK, batches, fetch
from mdstore.store.lineage import recursive
from mdstore.store.lineage.model import Filter, Limits, Walk, edge_types


def walk(
    conn: Transaction, artifacts: Iterable[int], executions: Iterable[int], limits: Limits
) -> Walk:
    """Walks the lineage from the starting nodes within ``limits``."""
    start_a, start_e = set(artifacts), set(executions)
    flavour = recursive.flavour_of(conn) if limits.timed_plain() else None
    if flavour is None:
        return _walk_by_hops(conn, start_a, start_e, limits, None)
    whole = flavour == "mariadb" or limits.max_hops is None
    if whole and (start_a or start_e) and len(start_a) <= CHUNK and len(start_e) <= CHUNK:
        return recursive.walk_in_one_statement(conn, flavour, start_a, start_e, limits)
    # Leaps read no recorded_at: a walk as of a time goes hop by hop.
    leaps = recursive.leap_flavour(flavour, limits) if limits.plain() else None
    return _walk_by_hops(conn, start_a, start_e, limits, leaps)


def walk_by_hops(
    conn: Transaction, artifacts: Iterable[int], executions: Iterable[int], limits: Limits
) -> Walk:
    """The reference walk: one query per hop, every limit honoured."""
    return _walk_by_hops(conn, set(artifacts), set(executions), limits, None)


def _walk_by_hops(
    conn: Transaction, start_a: set[int], start_e: set[int], limits: Limits, leaps: str | None
) -> Walk:
    """Hop by hop from the starting nodes; with ``leaps`` (a flavour), narrow
    frontiers go several hops per statement."""
    result = Walk()
    frontier_a = _admit(result.artifacts, start_a, 0, limits.max_nodes, result)
    frontier_e = _admit(result.executions, start_e, 0, limits.max_nodes, result)
    frontier_a, frontier_e = _apply_stops(frontier_a, frontier_e, limits, result)
    hop, budget = 0, recursive.LEAP_ROWS[leaps] if leaps else 0
    while (frontier_a or frontier_e) and (limits.max_hops is None or hop < limits.max_hops):
        if budget and hop and len(frontier_a) + len(frontier_e) <= recursive.LEAP_FRONTIER:
            leapt = recursive.leap(
                conn, leaps or "", budget, result, frontier_a, frontier_e, hop, limits
            )
            if leapt is not None:
                frontier_a, frontier_e, hop, budget = leapt
                continue
            budget = 0
        hop += 1
        next_e, next_a = _neighbours(conn, frontier_a, frontier_e, limits)
        # Membership tests, not ``set - dict.keys()``, which copies the keys into a
        # set every hop (quadratic on a deep walk).
        next_e = {i for i in next_e if i not in result.executions}
        next_a = {i for i in next_a if i not in result.artifacts}
        next_e = _exclude(next_e, limits.exclude_executions)
        next_a = _exclude(next_a, limits.exclude_artifacts)
        frontier_e = _admit(result.executions, next_e, hop, limits.max_nodes, result)
        frontier_a = _admit(result.artifacts, next_a, hop, limits.max_nodes, result)
        frontier_a, frontier_e = _apply_stops(frontier_a, frontier_e, limits, result)
    return result


def _admit(
    seen: dict[int, int | None], ids: set[int], hop: int, cap: int | None, result: Walk
) -> set[int]:
    """Records new nodes at this hop (lowest ids first when a cap cuts the level)."""
    if cap is None:
        seen.update(dict.fromkeys(ids, hop))
        return ids
    admitted = set()
    for node_id in sorted(ids):
        if result.size() >= cap:
            break
        seen[node_id] = hop
        admitted.add(node_id)
    return admitted


def _exclude(ids: set[int], rule: Filter | None) -> set[int]:
    return ids - rule(ids) if rule and ids else ids


def _apply_stops(
    frontier_a: set[int], frontier_e: set[int], limits: Limits, result: Walk
) -> tuple[set[int], set[int]]:
    """Takes stop nodes off the frontier, and out of the result unless kept."""
    for frontier, rule, seen in (
        (frontier_a, limits.stop_artifacts, result.artifacts),
        (frontier_e, limits.stop_executions, result.executions),
    ):
        if rule is None or not frontier:
            continue
        stops = rule(frontier)
        frontier -= stops
        if not limits.keep_stops:
            for node_id in stops:
                del seen[node_id]
    return frontier_a, frontier_e


def _neighbours(
    conn: Transaction, artifacts: set[int], executions: set[int], limits: Limits
) -> tuple[set[int], set[int]]:
    """Executions next to the artifacts and artifacts next to the executions (through
    events recorded by ``limits.as_of``, when set)."""
    to_execution, to_artifact = edge_types(limits.direction)
    next_e: set[int] = set()
    next_a: set[int] = set()
    touching = events_touching(conn, artifacts, executions, limits.as_of)
    for artifact_id, execution_id, event_type in touching:
        if artifact_id in artifacts and event_type in to_execution:
            next_e.add(execution_id)
        if execution_id in executions and event_type in to_artifact:
            next_a.add(artifact_id)
    return next_e, next_a


# Driver-level SQL (store/driver.py): a walk runs one of these per hop, and
# SQLAlchemy's per-statement Python cost is several times what SQLite needs to
# answer it. Keys: whether the frontier has artifacts, executions.
_EVENTS_SQL = "SELECT artifact_id, execution_id, type FROM event WHERE "
_TOUCHING = {
    (True, False): _EVENTS_SQL + "artifact_id IN ({})",
    (False, True): _EVENTS_SQL + "execution_id IN ({})",
    (True, True): _EVENTS_SQL + "(artifact_id IN ({}) OR execution_id IN ({}))",
}
# As of a time: only the events recorded by then.
_RECORDED_BY = " AND recorded_at <= {}"


def events_touching(
    conn: Transaction, artifacts: set[int], executions: set[int], as_of: int | None
) -> list[Any]:
    """``(artifact_id, execution_id, type)`` of the events touching the artifacts or
    the executions (recorded by ``as_of``, when set)."""
    rows: list[Any] = []
    none: list[int] = []
    # One statement per hop in the common case (both lists within one batch).
    for a_batch, e_batch in zip_longest(batches(artifacts), batches(executions), fillvalue=none):
        lists = [ids for ids in (a_batch, e_batch) if ids]
        template = _TOUCHING[(bool(a_batch), bool(e_batch))]
        if as_of is not None:
            template, lists = template + _RECORDED_BY, [*lists, [as_of]]
        rows.extend(fetch(conn, template, *lists))
    return rows
