"""The rows a lineage graph is made of, read in as few statements as possible.

One UNION ALL statement reads every table a graph needs (each statement is a
round trip on a server backend); a graph whose id lists are too long to bind in
one statement is read a table at a time instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import CHUNK, binds_whole_lists, fetch
from mdstore.store.records.events import event_rows
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, NodeKind
from mdstore.store.records.links import links_of
from mdstore.store.records.nodes import node_rows


@dataclass
class GraphRows:
    """What a graph is made of: nodes as ``(id, proto, type_id)``, events as
    ``(id, execution_id, proto)``, links as ``(context_id, node_id)``; each sorted
    as served."""

    artifacts: list[Any]
    executions: list[Any]
    contexts: list[Any]
    events: list[Any]
    attributions: list[Any]
    associations: list[Any]


@dataclass(frozen=True)
class _Part:
    """One SELECT of the graph statement: rows ``(tag, id or context_id, type_id
    or node_id, proto)``. ``{}`` marks an id list, filled from ``sources`` in
    order ("a": the artifact ids, "e": the execution ids)."""

    sql: str
    sources: tuple[str, ...]


# The parts, in tag order, as GraphRows has them.
_PARTS = {
    "artifacts": _Part("SELECT 0, id, type_id, proto FROM artifact WHERE id IN ({})", ("a",)),
    "executions": _Part("SELECT 1, id, type_id, proto FROM execution WHERE id IN ({})", ("e",)),
    "contexts": _Part("SELECT 2, id, type_id, proto FROM context WHERE ", ()),  # + its lists
    # Events by artifact alone, their executions checked in Python: with both IN
    # lists SQLite probes the index once per pair of ids.
    "events": _Part(
        "SELECT 3, id, execution_id, proto FROM event WHERE artifact_id IN ({})", ("a",)
    ),
    "attributions": _Part(
        "SELECT 4, context_id, artifact_id, NULL FROM attribution WHERE artifact_id IN ({})",
        ("a",),
    ),
    "associations": _Part(
        "SELECT 5, context_id, execution_id, NULL FROM association WHERE execution_id IN ({})",
        ("e",),
    ),
}
_TAGS = tuple(_PARTS)
_EVENTS = _TAGS.index("events")
_LINKS = _TAGS.index("attributions")  # the first tag whose rows are links
# The graph's contexts: those its artifacts and executions are linked to (an OR of
# two IN subqueries: MariaDB runs an IN over a UNION twice as slowly).
_CONTEXT_IDS = {
    "a": "id IN (SELECT context_id FROM attribution WHERE artifact_id IN ({}))",
    "e": "id IN (SELECT context_id FROM association WHERE execution_id IN ({}))",
}
# The fields whose encoding needs a kind's node rows (types need their type ids).
NODE_FIELDS = {
    "artifacts": frozenset({"artifacts", "artifact_types"}),
    "executions": frozenset({"executions", "execution_types"}),
}


def graph_rows(
    conn: Transaction, artifact_ids: list[int], execution_ids: list[int], fields: set[str]
) -> GraphRows:
    """The rows the graph's LineageGraph ``fields`` need, in one statement, or one
    per table when an id list is too long to bind."""
    long_lists = len(artifact_ids) > CHUNK or len(execution_ids) > CHUNK
    if long_lists and not binds_whole_lists(conn):
        return _rows_by_table(conn, artifact_ids, execution_ids, fields)
    buckets: list[list[Any]] = [[] for _ in _TAGS]
    parts = _parts_for(frozenset(fields), bool(artifact_ids), bool(execution_ids))
    if parts:
        template, sources = _statement(parts, bool(artifact_ids), bool(execution_ids))
        by_source = {"a": artifact_ids, "e": execution_ids}
        executions = set(execution_ids)
        for tag, first, second, blob in fetch(conn, template, *(by_source[s] for s in sources)):
            if tag >= _LINKS:
                buckets[tag].append((first, second))
            elif tag == _EVENTS:
                if second in executions:
                    buckets[tag].append((first, second, blob))
            else:
                buckets[tag].append((first, blob, second))  # as records.nodes.node_rows
        for bucket in buckets:
            bucket.sort()  # nodes and events by id, links by (context, node)
    return GraphRows(*buckets)


@functools.lru_cache(maxsize=64)
def _parts_for(fields: frozenset[str], artifacts: bool, executions: bool) -> tuple[str, ...]:
    """The parts a graph with these fields needs, less those with no ids to look up."""
    needs = {
        "artifacts": artifacts and bool(fields & NODE_FIELDS["artifacts"]),
        "executions": executions and bool(fields & NODE_FIELDS["executions"]),
        "contexts": (artifacts or executions) and bool(fields & {"contexts", "context_types"}),
        "events": artifacts and executions and "events" in fields,
        "attributions": artifacts and "attributions" in fields,
        "associations": executions and "associations" in fields,
    }
    return tuple(name for name in _TAGS if needs[name])


@functools.lru_cache(maxsize=256)
def _statement(
    parts: tuple[str, ...], artifacts: bool, executions: bool
) -> tuple[str, tuple[str, ...]]:
    """The UNION ALL of the parts as a driver template, and which id list fills
    each of its slots, in order."""
    present = tuple(name for name, there in (("a", artifacts), ("e", executions)) if there)
    selects: list[str] = []
    sources: list[str] = []
    for name in parts:
        part = _PARTS[name]
        if name == "contexts":
            part = _Part(part.sql + " OR ".join(_CONTEXT_IDS[s] for s in present), present)
        selects.append(part.sql)
        sources.extend(part.sources)
    return " UNION ALL ".join(selects), tuple(sources)


def _rows_by_table(
    conn: Transaction, artifact_ids: list[int], execution_ids: list[int], fields: set[str]
) -> GraphRows:
    """The graph's rows a table at a time, CHUNK ids per statement (big graphs)."""

    def nodes(kind: NodeKind, ids: list[int]) -> list[Any]:
        return node_rows(conn, kind, ids) if fields & NODE_FIELDS[kind.plural] else []

    executions = set(execution_ids)
    attributions, associations = links_of(conn, artifact_ids, execution_ids, as_of=None)
    context_ids = {c for c, _ in attributions} | {c for c, _ in associations}
    events = event_rows(conn, "artifact_id", artifact_ids) if "events" in fields else []
    return GraphRows(
        artifacts=nodes(ARTIFACT, artifact_ids),
        executions=nodes(EXECUTION, execution_ids),
        contexts=node_rows(conn, CONTEXT, context_ids),
        events=[(row[0], row[3], row[1]) for row in events if row[3] in executions],
        attributions=attributions,
        associations=associations,
    )
