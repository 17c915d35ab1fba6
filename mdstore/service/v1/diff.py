"""``mdstore.v1`` Diff: what differs between two artifacts' upstream lineage.

Each side is the artifact's whole upstream lineage (a recursive walk in SQL), read
as of the request's time; mdstore.provenance.diff matches nodes by role.
"""

from __future__ import annotations

from typing import Any

from mdstore.provenance.diff import Subgraph, diff
from mdstore.service.v1.answers import tombstones_by_node
from mdstore.service.v1.requests import as_of, existing_node
from mdstore.store import Transaction
from mdstore.store.lineage.extract import extract, page_nodes
from mdstore.store.lineage.model import UPSTREAM, Limits
from mdstore.store.records.kinds import ARTIFACT


def diff_lineage(conn: Transaction, request: Any) -> Any:
    """Diff: the sources, steps, parameters and properties that differ, by role."""
    when = as_of(request)
    first = upstream(conn, request.artifact_id, when)
    other = upstream(conn, request.other_artifact_id, when)
    return diff(first, other)


def upstream(conn: Transaction, artifact_id: int, when: int | None) -> Subgraph:
    """An artifact's whole upstream lineage as of ``when`` (NotFound for an unknown id)."""
    existing_node(conn, ARTIFACT, artifact_id, when)
    found = extract(conn, {artifact_id}, set(), Limits(direction=UPSTREAM, as_of=when))
    loaded = page_nodes(conn, found.artifacts, found.executions, when)
    return Subgraph(
        root=artifact_id,
        artifacts={a.id: a for a in loaded.artifacts},
        executions={e.id: e for e in loaded.executions},
        events=found.events,
        tombstones=tombstones_by_node(loaded),
    )
