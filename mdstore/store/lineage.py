"""Lineage traversal: breadth-first, as few SQL statements as the database allows.

A hop goes from an artifact to an execution, or from an execution to an artifact,
through an event. There is no hop cap: MLMD silently stops at 100.

Direction: UPSTREAM follows what a node was made from (an artifact to the
execution that output it, an execution to the artifacts it read), DOWNSTREAM the
reverse, BIDIRECTIONAL both.

The reference walk (``walk_by_hops``) reads the events touching the whole
frontier in one query per hop, never a query per node, and handles every limit:
stop and exclude filters, a node cap. A hop costs a round trip on a server
backend and more Python than SQL on SQLite, so when only the hop limit and the
direction apply, ``walk`` lets a ``WITH RECURSIVE`` statement do many hops at once:

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
tests/unit/test_lineage_paths.py compares them on random graphs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from mdstore.store.raw_sql import CHUNK, fetch

UPSTREAM, DOWNSTREAM, BIDIRECTIONAL = 1, 2, 3
# Event types by which way the artifact flows (ml_metadata.Event.Type numbers).
INPUT_EVENTS = frozenset({2, 3, 5})  # DECLARED_INPUT, INPUT, INTERNAL_INPUT
OUTPUT_EVENTS = frozenset({1, 4, 6, 7})  # DECLARED_OUTPUT, OUTPUT, INTERNAL_OUTPUT, PENDING_OUTPUT

# Given new node ids, returns the ones the walk may not include or pass.
Filter = Callable[[set[int]], set[int]]

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


@dataclass
class Walk:
    """Artifacts and executions reached, each with its hop distance.

    The distance is None when a walk without a hop limit ran as one statement
    (which needs no hop column); nothing but the walk itself reads distances.
    """

    artifacts: dict[int, int | None] = field(default_factory=dict)
    executions: dict[int, int | None] = field(default_factory=dict)

    def size(self) -> int:
        return len(self.artifacts) + len(self.executions)


@dataclass(frozen=True)
class Limits:
    """Where a walk stops.

    ``stop_*`` nodes are reached but not walked past (kept when ``keep_stops``);
    ``exclude_*`` nodes are dropped and not walked past; ``max_nodes`` caps the
    number of artifacts plus executions (None: no cap).
    """

    max_hops: int | None = None
    direction: int = BIDIRECTIONAL
    stop_artifacts: Filter | None = None
    stop_executions: Filter | None = None
    keep_stops: bool = False
    exclude_artifacts: Filter | None = None
    exclude_executions: Filter | None = None
    max_nodes: int | None = None

    def plain(self) -> bool:
        """Whether only the hop limit and a known direction apply (no filter, no cap)."""
        return (
            self.direction in (UPSTREAM, DOWNSTREAM, BIDIRECTIONAL)
            and self.stop_artifacts is None
            and self.stop_executions is None
            and self.exclude_artifacts is None
            and self.exclude_executions is None
            and self.max_nodes is None
        )


def walk(
    conn: Connection, artifacts: Iterable[int], executions: Iterable[int], limits: Limits
) -> Walk:
    """Walks the lineage from the starting nodes within ``limits``."""
    start_a, start_e = set(artifacts), set(executions)
    flavour = recursive_flavour(conn) if limits.plain() else None
    if flavour is None:
        return _walk_by_hops(conn, start_a, start_e, limits, None)
    whole = flavour == "mariadb" or limits.max_hops is None
    if whole and (start_a or start_e) and len(start_a) <= CHUNK and len(start_e) <= CHUNK:
        return _walk_in_one_statement(conn, flavour, start_a, start_e, limits)
    return _walk_by_hops(conn, start_a, start_e, limits, _leaps(flavour, limits))


def walk_by_hops(
    conn: Connection, artifacts: Iterable[int], executions: Iterable[int], limits: Limits
) -> Walk:
    """The reference walk: one query per hop, every limit honoured."""
    return _walk_by_hops(conn, set(artifacts), set(executions), limits, None)


def _leaps(flavour: str, limits: Limits) -> str | None:
    """The flavour of leaps a walk with a hop limit may take, or None for none."""
    if flavour not in LEAP_ROWS or limits.max_hops is None:
        return None
    if flavour == "sqlite" and limits.direction == BIDIRECTIONAL:
        # Measured: a BIDIRECTIONAL statement repeats rows enough to cost more than
        # SQLite's per-hop statements, except on a bare chain. A server's round
        # trips still make it pay.
        return None
    return flavour


def _walk_by_hops(
    conn: Connection, start_a: set[int], start_e: set[int], limits: Limits, leaps: str | None
) -> Walk:
    """Hop by hop from the starting nodes; with ``leaps`` (a flavour), narrow
    frontiers go several hops per statement."""
    result = Walk()
    frontier_a = _admit(result.artifacts, start_a, 0, limits.max_nodes, result)
    frontier_e = _admit(result.executions, start_e, 0, limits.max_nodes, result)
    frontier_a, frontier_e = _apply_stops(frontier_a, frontier_e, limits, result)
    hop, budget = 0, LEAP_ROWS[leaps] if leaps else 0
    while (frontier_a or frontier_e) and (limits.max_hops is None or hop < limits.max_hops):
        if budget and hop and len(frontier_a) + len(frontier_e) <= LEAP_FRONTIER:
            leapt = _leap(conn, leaps or "", budget, result, frontier_a, frontier_e, hop, limits)
            if leapt is not None:
                frontier_a, frontier_e, hop, budget = leapt
                continue
            budget = 0
        hop += 1
        next_e, next_a = _neighbours(conn, frontier_a, frontier_e, limits.direction)
        next_e = _exclude(next_e - result.executions.keys(), limits.exclude_executions)
        next_a = _exclude(next_a - result.artifacts.keys(), limits.exclude_artifacts)
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


@functools.lru_cache(maxsize=8)
def edge_types(direction: int) -> tuple[frozenset[int], frozenset[int]]:
    """The event types that lead from an artifact to an execution, and back."""
    up, down = direction in (UPSTREAM, BIDIRECTIONAL), direction in (DOWNSTREAM, BIDIRECTIONAL)
    to_execution = (OUTPUT_EVENTS if up else frozenset()) | (INPUT_EVENTS if down else frozenset())
    to_artifact = (INPUT_EVENTS if up else frozenset()) | (OUTPUT_EVENTS if down else frozenset())
    return to_execution, to_artifact


def _neighbours(
    conn: Connection, artifacts: set[int], executions: set[int], direction: int
) -> tuple[set[int], set[int]]:
    """Executions next to the artifacts and artifacts next to the executions."""
    to_execution, to_artifact = edge_types(direction)
    next_e: set[int] = set()
    next_a: set[int] = set()
    for artifact_id, execution_id, event_type in _events_touching(conn, artifacts, executions):
        if artifact_id in artifacts and event_type in to_execution:
            next_e.add(execution_id)
        if execution_id in executions and event_type in to_artifact:
            next_a.add(artifact_id)
    return next_e, next_a


# Driver-level SQL (store/raw_sql.py): a walk runs one of these per hop, and
# SQLAlchemy's per-statement Python cost is several times what SQLite needs to
# answer it. Keys: whether the frontier has artifacts, executions.
_EVENTS_SQL = "SELECT artifact_id, execution_id, type FROM event WHERE "
_TOUCHING = {
    (True, False): _EVENTS_SQL + "artifact_id IN ({})",
    (False, True): _EVENTS_SQL + "execution_id IN ({})",
    (True, True): _EVENTS_SQL + "artifact_id IN ({}) OR execution_id IN ({})",
}


def _events_touching(conn: Connection, artifacts: set[int], executions: set[int]) -> list[Any]:
    a_list, e_list = list(artifacts), list(executions)
    if len(a_list) <= CHUNK and len(e_list) <= CHUNK:  # one query per hop, the common case
        lists = [ids for ids in (a_list, e_list) if ids]
        return fetch(conn, _TOUCHING[(bool(a_list), bool(e_list))], *lists)
    rows: list[Any] = []
    for start in range(0, max(len(a_list), len(e_list)), CHUNK):
        a_chunk, e_chunk = a_list[start : start + CHUNK], e_list[start : start + CHUNK]
        lists = [ids for ids in (a_chunk, e_chunk) if ids]
        rows.extend(fetch(conn, _TOUCHING[(bool(a_chunk), bool(e_chunk))], *lists))
    return rows


# ---------------------------------------------------------------- recursive statements


def recursive_flavour(conn: Connection) -> str | None:
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


def _walk_in_one_statement(
    conn: Connection, flavour: str, start_a: set[int], start_e: set[int], limits: Limits
) -> Walk:
    """The whole walk as one statement that visits each node once."""
    ranked = limits.max_hops is not None
    sql = _walk_sql(flavour, limits.direction, bool(start_a), bool(start_e), ranked, False)
    seeds = [list(ids) for ids in (start_a, start_e) if ids]
    bounds = [[limits.max_hops]] * _hop_slots(flavour) if ranked else []
    rows = fetch(conn, sql, *seeds, *bounds)
    if ranked:
        return _collect(rows)
    result = Walk()
    for kind, node_id in rows:
        (result.executions if kind else result.artifacts)[node_id] = None
    return result


def _leap(
    conn: Connection,
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
) -> str:
    """A recursive walk as a raw_sql template: rows ``(kind, id[, hop])``, kind 0
    for artifacts and 1 for executions.

    Slots, in order: the starting artifact ids, the starting execution ids; when
    ``ranked``, the hop limit once per recursive SELECT; when ``budgeted``, a row
    cap (SQLite: it stops the recursion; PostgreSQL: evaluation is lazy, so an
    outer LIMIT does too). Unranked rows are just nodes, each once.
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
    to_execution = f"type IN ({to_e})" + (" AND execution_id <> w.prev" if prev else "")
    to_artifact = f"type IN ({to_a})" + (" AND artifact_id <> w.prev" if prev else "")
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
