"""Subgraphs for the provenance questions: a walk's nodes, the events among them,
and where the walk stopped short; then the nodes of one page, as of a time.

The walk runs in SQL (``walk``); ``mdstore.provenance`` analyses what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from mdstore.store.db.transactions import Transaction
from mdstore.store.history.tombstones import tombstones_of_kinds
from mdstore.store.history.versions import node_blobs_as_of
from mdstore.store.lineage.model import Limits, Walk, edge_types
from mdstore.store.lineage.walk import events_touching, walk
from mdstore.store.records.blobs import parse_events, parse_nodes
from mdstore.store.records.events import event_rows
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION
from mdstore.store.records.links import links_of
from mdstore.wire import mlmd

ARTIFACT_NODE, EXECUTION_NODE = "artifact", "execution"


@dataclass
class Extract:
    """A walk's artifacts and executions (ids), the events among them (recorded by
    the walk's time, in recorded order: ``event_rows``, and parsed as ``events``),
    and the nodes it did not go past though they lead further (``(kind, id)``: at
    the hop limit, or a stop node)."""

    artifacts: set[int] = field(default_factory=set)
    executions: set[int] = field(default_factory=set)
    # (id, blob, artifact_id, execution_id, type), as records.events.event_rows reads them
    event_rows: list[tuple[Any, ...]] = field(default_factory=list)
    truncated: set[tuple[str, int]] = field(default_factory=set)

    @cached_property
    def events(self) -> list[Any]:
        """The events as ``ml_metadata.Event`` messages."""
        return parse_events(mlmd.Event, (row[1] for row in self.event_rows))


def extract(
    conn: Transaction, artifacts: set[int], executions: set[int], limits: Limits
) -> Extract:
    """Walks from the starting nodes within ``limits``; see ``Extract``.

    Stop rules never stop the walk at a starting node.
    """
    start = (frozenset(artifacts), frozenset(executions))
    limits = _sparing_start(limits, start)
    result = walk(conn, artifacts, executions, limits)
    found = Extract(set(result.artifacts), set(result.executions))
    found.event_rows = event_rows_among(conn, found.artifacts, found.executions, limits.as_of)
    found.truncated = _truncated(conn, result, limits)
    return found


def _sparing_start(limits: Limits, start: tuple[frozenset[int], frozenset[int]]) -> Limits:
    def spare(rule: Any, ids: frozenset[int]) -> Any:
        return None if rule is None else (lambda found: rule(found - ids))

    return Limits(
        max_hops=limits.max_hops,
        direction=limits.direction,
        stop_artifacts=spare(limits.stop_artifacts, start[0]),
        stop_executions=spare(limits.stop_executions, start[1]),
        keep_stops=True,
        as_of=limits.as_of,
    )


def event_rows_among(
    conn: Transaction, artifacts: set[int], executions: set[int], as_of: int | None
) -> list[tuple[Any, ...]]:
    """The events between the artifacts and the executions (recorded by ``as_of``),
    as ``records.events.event_rows`` rows in recorded order."""
    # Read from the smaller side: an execution usually has fewer events than its
    # artifacts have altogether (a source may feed thousands of runs).
    if len(executions) < len(artifacts):
        rows = event_rows(conn, "execution_id", executions, as_of)
        return [row for row in rows if row[2] in artifacts]
    rows = event_rows(conn, "artifact_id", artifacts, as_of)
    return [row for row in rows if row[3] in executions]


def _truncated(conn: Transaction, result: Walk, limits: Limits) -> set[tuple[str, int]]:
    """The walk's boundary nodes that lead further in its direction."""
    edge_a: set[int] = set()
    edge_e: set[int] = set()
    if limits.max_hops is not None:
        edge_a = {i for i, hop in result.artifacts.items() if hop == limits.max_hops}
        edge_e = {i for i, hop in result.executions.items() if hop == limits.max_hops}
    if limits.stop_artifacts is not None and result.artifacts:
        edge_a |= limits.stop_artifacts(set(result.artifacts))
    if limits.stop_executions is not None and result.executions:
        edge_e |= limits.stop_executions(set(result.executions))
    if not edge_a and not edge_e:
        return set()
    to_execution, to_artifact = edge_types(limits.direction)
    leading: set[tuple[str, int]] = set()
    for artifact_id, execution_id, event_type in events_touching(
        conn, edge_a, edge_e, limits.as_of
    ):
        if artifact_id in edge_a and event_type in to_execution:
            leading.add((ARTIFACT_NODE, artifact_id))
        if execution_id in edge_e and event_type in to_artifact:
            leading.add((EXECUTION_NODE, execution_id))
    return leading


@dataclass
class PageNodes:
    """The nodes of one page as they were at the page's time, with their contexts,
    links and tombstones (``v1.Tombstone`` by ``(kind, id)``).

    Nodes are kept as stored, ``(id, blob, ...)`` rows by id (what
    ``mdstore.wire.encoding.nodes`` sends), and parsed when first asked for.
    """

    artifact_rows: list[tuple[Any, ...]]
    execution_rows: list[tuple[Any, ...]]
    context_rows: list[tuple[Any, ...]]
    attributions: list[tuple[int, int]]
    associations: list[tuple[int, int]]
    tombstones: dict[tuple[str, int], Any]

    @cached_property
    def artifacts(self) -> list[Any]:
        """The artifacts as messages, by id."""
        return parse_nodes(ARTIFACT, self.artifact_rows)

    @cached_property
    def executions(self) -> list[Any]:
        """The executions as messages, by id."""
        return parse_nodes(EXECUTION, self.execution_rows)

    @cached_property
    def contexts(self) -> list[Any]:
        """The contexts as messages, by id."""
        return parse_nodes(CONTEXT, self.context_rows)


def page_nodes(
    conn: Transaction, artifact_ids: set[int], execution_ids: set[int], as_of: int | None
) -> PageNodes:
    """Loads a page's artifacts and executions (as of a time) and what belongs with them."""
    artifacts = node_blobs_as_of(conn, ARTIFACT, artifact_ids, as_of)
    executions = node_blobs_as_of(conn, EXECUTION, execution_ids, as_of)
    attributions, associations = links_of(conn, artifact_ids, execution_ids, as_of)
    context_ids = {c for c, _ in attributions} | {c for c, _ in associations}
    contexts = node_blobs_as_of(conn, CONTEXT, context_ids, as_of)
    wanted = {ARTIFACT: artifact_ids, EXECUTION: execution_ids, CONTEXT: context_ids}
    tombstones = tombstones_of_kinds(conn, wanted, as_of)
    return PageNodes(artifacts, executions, contexts, attributions, associations, tombstones)
