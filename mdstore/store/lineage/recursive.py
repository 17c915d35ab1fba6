"""Recursive statements: many hops of a walk in one ``WITH RECURSIVE`` statement.

``walk_in_one_statement`` runs a whole walk where the statement can visit each node
once; ``leap`` goes several hops from a narrow frontier within a row budget (see
walk.py for when each applies).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import fetch
from mdstore.store.lineage.model import BIDIRECTIONAL, Limits, Walk, edge_types

# A leap starts only after a first hop, from a frontier of at most this many
# nodes (a wide frontier already spreads a hop's statement over many nodes, and
# the first hop shows the starting nodes do not fan out widely), and the walk goes
# on leaping only while leaps average at most this many rows a hop: a narrow,
# chain-like lineage, where rows rarely repeat.
LEAP_FRONTIER = 16
# The rows the first leap may return before it is cut; each leap that keeps to
# LEAP_FRONTIER rows a hop allows the next four times as many, up to
# LEAP_ROWS_MAX. Small, because a statement cut at its budget has done up to that
# many nodes' fan-out of work for the hop it drops. PostgreSQL's is larger: there
# a hop is a round trip.
LEAP_ROWS = {"sqlite": 32, "postgresql": 128}
LEAP_ROWS_MAX = 2048


def leap_flavour(flavour: str, limits: Limits) -> str | None:
    """The flavour of leaps a walk with a hop limit may take, or None for none."""
    if flavour not in LEAP_ROWS or limits.max_hops is None:
        return None
    if flavour == "sqlite" and limits.direction == BIDIRECTIONAL:
        # Measured: a BIDIRECTIONAL statement repeats rows enough to cost more than
        # SQLite's per-hop statements, except on a bare chain. A server's round
        # trips still make it pay.
        return None
    return flavour


def flavour_of(conn: Transaction) -> str | None:
    """Which recursive statements this backend runs: its name, or None for none."""
    dialect = conn.dialect
    if dialect.name == "postgresql":
        return "postgresql"
    if dialect.name == "sqlite":
        # Several recursive SELECTs in one CTE need SQLite 3.34.
        version = getattr(dialect.loaded_dbapi, "sqlite_version_info", (0,))
        return "sqlite" if version >= (3, 34) else None
    if dialect.name == "mysql" and getattr(dialect, "is_mariadb", False):
        # CYCLE ... RESTRICT came in MariaDB 10.5.2; MySQL has no such clause.
        version = dialect.server_version_info or (0,)
        return "mariadb" if version >= (10, 5, 2) else None
    return None


def walk_in_one_statement(
    conn: Transaction, flavour: str, start_a: set[int], start_e: set[int], limits: Limits
) -> Walk:
    """The whole walk as one statement that visits each node once."""
    ranked, timed = limits.max_hops is not None, limits.as_of is not None
    sql = _walk_sql(flavour, limits.direction, bool(start_a), bool(start_e), ranked, False, timed)
    seeds = [list(ids) for ids in (start_a, start_e) if ids]
    hop, when = [limits.max_hops], [limits.as_of]
    if flavour == "postgresql":  # both times in the LATERAL, then the hop limit
        bounds = [when, when] * timed + [hop] * ranked
    else:  # per recursive SELECT: its hop limit, then its time
        bounds = ([hop] * ranked + [when] * timed) * 2
    rows = fetch(conn, sql, *seeds, *bounds)
    if ranked:
        return _collect(rows)
    result = Walk()
    for kind, node_id in rows:
        (result.executions if kind else result.artifacts)[node_id] = None
    return result


def leap(
    conn: Transaction,
    flavour: str,
    budget: int,
    result: Walk,
    frontier_a: set[int],
    frontier_e: set[int],
    hop: int,
    limits: Limits,
) -> tuple[set[int], set[int], int, int] | None:
    """Walks on from the frontier (every node at distance ``hop``) in one statement
    of at most ``budget`` rows.

    Returns the new frontier, its hop and the next leap's budget (0: no more
    leaps), or None when the statement was cut before it held one whole hop.
    """
    assert limits.max_hops is not None
    sql = _walk_sql(flavour, limits.direction, bool(frontier_a), bool(frontier_e), True, True)
    seeds = [list(ids) for ids in (frontier_a, frontier_e) if ids]
    bounds = [[limits.max_hops - hop]] * _hop_slots(flavour)
    rows = fetch(conn, sql, *seeds, *bounds, [budget + 1])
    whole = limits.max_hops - hop  # the last hop, from the frontier, that the rows hold whole
    if len(rows) > budget:
        whole = _whole_hops(rows)
        if whole < 1:
            return None
        budget = min(budget * 4, LEAP_ROWS_MAX) if len(rows) <= whole * LEAP_FRONTIER else 0
    lowest: dict[tuple[int, int], int] = {}  # (kind, id) -> distance from the frontier
    for kind, node_id, distance in rows:
        if distance <= whole and distance < lowest.get((kind, node_id), whole + 1):
            lowest[kind, node_id] = distance
    # A node new to the walk lies at hop + its distance from the frontier: a
    # shortest path to it crosses the frontier's level at some frontier node.
    next_a: set[int] = set()
    next_e: set[int] = set()
    for (kind, node_id), distance in lowest.items():
        seen, frontier = (result.executions, next_e) if kind else (result.artifacts, next_a)
        if node_id not in seen:
            seen[node_id] = hop + distance
            if distance == whole:
                frontier.add(node_id)
    return next_a, next_e, hop + whole, budget


def _whole_hops(rows: Sequence[Any]) -> int:
    """In rows cut at a budget, the last hop they hold whole (below 1: none, or the
    rows are not in hop order after all).

    SQLite's queue is ordered by hop and PostgreSQL adds a whole hop per
    iteration, so every hop before the last row's is complete.
    """
    hops: list[int] = [row[2] for row in rows]
    if any(a > b for a, b in zip(hops, hops[1:], strict=False)):
        return -1
    return hops[-1] - 1


def _collect(rows: Iterable[Any]) -> Walk:
    """Each node of ``(kind, id, hop)`` rows at the lowest hop its rows give."""
    result = Walk()
    for kind, node_id, hop in rows:
        seen = result.executions if kind else result.artifacts
        known = seen.get(node_id)
        if known is None or hop < known:
            seen[node_id] = hop
    return result


def _hop_slots(flavour: str) -> int:
    """How many times the hop limit is bound: once per recursive SELECT."""
    return 1 if flavour == "postgresql" else 2


@functools.lru_cache(maxsize=128)
def _walk_sql(
    flavour: str,
    direction: int,
    from_artifacts: bool,
    from_executions: bool,
    ranked: bool,
    budgeted: bool,
    timed: bool = False,
) -> str:
    """A recursive walk as a raw_sql template: rows ``(kind, id[, hop])``, kind 0
    for artifacts and 1 for executions.

    Slots, in order: the starting artifact ids, the starting execution ids; when
    ``ranked``, the hop limit once per recursive SELECT; when ``budgeted``, a row
    cap (SQLite: it stops the recursion; PostgreSQL: evaluation is lazy, so an
    outer LIMIT does too); when ``timed``, the as-of time once per event
    lookup (only events recorded by then are walked). On PostgreSQL the times
    come before the hop limit, elsewhere each SELECT's hop limit before its time.
    Unranked rows are just nodes, each once.
    """
    to_e, to_a = (", ".join(map(str, sorted(types))) for types in edge_types(direction))
    # Ranked BIDIRECTIONAL rows also carry the node they came from, and a step never
    # goes straight back to it (no shortest path does): otherwise every node would
    # come back every other hop. MariaDB's CYCLE clause drops every revisit anyway.
    prev = ranked and direction == BIDIRECTIONAL and flavour != "mariadb"
    columns = "kind, id" + (", hop" if ranked else "") + (", prev" if prev else "")
    more = (", w.hop + 1" if ranked else "") + (", w.id" if prev else "")
    seed_more = (", 0" if ranked else "") + (", id - id" if prev else "")  # a 0 typed as an id
    # UNION, not UNION ALL: MariaDB cannot mix the two in a recursive CTE.
    seeds = " UNION ".join(
        f"SELECT {kind}, id{seed_more} FROM {table} WHERE id IN ({{}})"
        for kind, table, wanted in (
            (0, "artifact", from_artifacts),
            (1, "execution", from_executions),
        )
        if wanted
    )
    recorded = " AND recorded_at <= {}" if timed else ""
    to_execution = f"type IN ({to_e})" + (" AND execution_id <> w.prev" if prev else "") + recorded
    to_artifact = f"type IN ({to_a})" + (" AND artifact_id <> w.prev" if prev else "") + recorded
    within = " AND w.hop < {}" if ranked else ""
    if flavour == "postgresql":
        # PostgreSQL allows one reference to the CTE: both steps in one LATERAL.
        step = (
            f"SELECT n.kind, n.id{more} FROM walk w CROSS JOIN LATERAL ("
            f"SELECT 1 AS kind, execution_id AS id FROM event"
            f" WHERE w.kind = 0 AND artifact_id = w.id AND {to_execution}"
            f" UNION ALL SELECT 0, artifact_id FROM event"
            f" WHERE w.kind = 1 AND execution_id = w.id AND {to_artifact}) n"
            f" WHERE TRUE{within}"
        )
    else:
        # One recursive SELECT per step keeps each an index lookup (an OR join is
        # a scan per row on MariaDB).
        step = (
            f"SELECT 1, execution_id{more} FROM walk w JOIN event ON artifact_id = w.id"
            f" WHERE w.kind = 0{within} AND {to_execution}"
            f" UNION SELECT 0, artifact_id{more} FROM walk w JOIN event ON execution_id = w.id"
            f" WHERE w.kind = 1{within} AND {to_artifact}"
        )
    # SQLite: the queue in hop order, and the LIMIT stops the recursion itself.
    queue = " ORDER BY 3 LIMIT {}" if budgeted and flavour == "sqlite" else ""
    outer = " LIMIT {}" if budgeted and flavour == "postgresql" else ""
    # MariaDB's non-standard CYCLE ... RESTRICT (MDEV-20632) makes rows distinct on
    # (kind, id) alone; it adds a hop's rows per iteration, so a node keeps its first.
    cycle = " CYCLE kind, id RESTRICT" if ranked and flavour == "mariadb" else ""
    # MariaDB ends a recursion after max_recursive_iterations (1000) with only a
    # warning; the walk itself is finite, so lift that for this statement.
    setting = (
        "SET STATEMENT max_recursive_iterations = 4294967295 FOR " if flavour == "mariadb" else ""
    )
    wanted = "kind, id" + (", hop" if ranked else "")
    return (
        f"{setting}WITH RECURSIVE walk({columns}) AS ({seeds} UNION {step}{queue}){cycle}"
        f" SELECT {wanted} FROM walk{outer}"
    )
