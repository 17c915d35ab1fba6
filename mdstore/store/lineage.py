"""Lineage traversal: breadth-first over events, one SQL query per hop.

A hop goes from an artifact to an execution, or from an execution to an artifact,
through an event. Each hop reads the events touching the whole frontier in one
query (never a query per node), so a walk of depth d costs about d queries plus
one per hop for stop filters. There is no hop cap: MLMD silently stops at 100.

Direction: UPSTREAM follows what a node was made from (an artifact to the
execution that output it, an execution to the artifacts it read), DOWNSTREAM the
reverse, BIDIRECTIONAL both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


@dataclass
class Walk:
    """Artifacts and executions reached, each with its hop distance."""

    artifacts: dict[int, int] = field(default_factory=dict)
    executions: dict[int, int] = field(default_factory=dict)

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


def walk(
    conn: Connection, artifacts: Iterable[int], executions: Iterable[int], limits: Limits
) -> Walk:
    """Walks the lineage from the starting nodes within ``limits``."""
    result = Walk()
    frontier_a = _admit(result.artifacts, set(artifacts), 0, limits.max_nodes, result)
    frontier_e = _admit(result.executions, set(executions), 0, limits.max_nodes, result)
    frontier_a, frontier_e = _apply_stops(frontier_a, frontier_e, limits, result)
    hop = 0
    while (frontier_a or frontier_e) and (limits.max_hops is None or hop < limits.max_hops):
        hop += 1
        next_e, next_a = _neighbours(conn, frontier_a, frontier_e, limits.direction)
        next_e = _exclude(next_e - result.executions.keys(), limits.exclude_executions)
        next_a = _exclude(next_a - result.artifacts.keys(), limits.exclude_artifacts)
        frontier_e = _admit(result.executions, next_e, hop, limits.max_nodes, result)
        frontier_a = _admit(result.artifacts, next_a, hop, limits.max_nodes, result)
        frontier_a, frontier_e = _apply_stops(frontier_a, frontier_e, limits, result)
    return result


def _admit(
    seen: dict[int, int], ids: set[int], hop: int, cap: int | None, result: Walk
) -> set[int]:
    """Records new nodes at this hop (lowest ids first when a cap cuts the level)."""
    admitted = set()
    for node_id in sorted(ids):
        if cap is not None and result.size() >= cap:
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
    conn: Connection, artifacts: set[int], executions: set[int], direction: int
) -> tuple[set[int], set[int]]:
    """Executions next to the artifacts and artifacts next to the executions."""
    up, down = direction in (UPSTREAM, BIDIRECTIONAL), direction in (DOWNSTREAM, BIDIRECTIONAL)
    # The event types that lead from an artifact to an execution, and back.
    to_execution = (OUTPUT_EVENTS if up else frozenset()) | (INPUT_EVENTS if down else frozenset())
    to_artifact = (INPUT_EVENTS if up else frozenset()) | (OUTPUT_EVENTS if down else frozenset())
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
    rows: list[Any] = []
    a_list, e_list = sorted(artifacts), sorted(executions)
    # One query per hop in the common case; chunked only for very wide frontiers.
    for start in range(0, max(len(a_list), len(e_list)), CHUNK):
        a_chunk, e_chunk = a_list[start : start + CHUNK], e_list[start : start + CHUNK]
        lists = [ids for ids in (a_chunk, e_chunk) if ids]
        rows.extend(fetch(conn, _TOUCHING[(bool(a_chunk), bool(e_chunk))], *lists))
    return rows
