"""A walk's nodes as a serialized ``ml_metadata.LineageGraph``.

Assembled from the stored blobs (``mdstore.wire.encoding``) and parsed once, if at
all, by the caller: a graph of a few hundred nodes would otherwise spend most of
its time copying messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mdstore.store.db.transactions import Transaction
from mdstore.store.lineage.graph_rows import graph_rows
from mdstore.store.lineage.model import Walk
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, NodeKind
from mdstore.store.records.types import types_by_id
from mdstore.wire import encoding, mlmd

_NUMBERS = {f.name: f.number for f in mlmd.LineageGraph.DESCRIPTOR.fields}
GRAPH_FIELDS = tuple(
    name
    for name in _NUMBERS
    if name != "parent_contexts"  # MLMD never fills it either
)
"""The LineageGraph fields a graph fills, in field order."""


def build_graph(
    conn: Transaction, result: Walk, fields: set[str], *, full_nodes: bool = True
) -> bytes:
    """The serialized LineageGraph of a walk, with ``fields`` filled; nodes with
    all their fields, or (not ``full_nodes``) with only their ids.
    """
    # Ids only: the walk has the artifact and execution ids, so their rows are read
    # only when their types are asked for.
    read = fields if full_nodes else fields - {"artifacts", "executions"}
    rows = graph_rows(conn, list(result.artifacts), list(result.executions), read)

    def node_field(number: int, node_rows: list[Any], walked: Iterable[int]) -> bytes:
        if full_nodes:
            return encoding.nodes(number, node_rows)
        return encoding.ids(number, sorted(walked))

    def types(number: int, kind: NodeKind, node_rows: list[Any]) -> bytes:
        found = types_by_id(conn, kind.type_kind, [row[2] for row in node_rows])
        return encoding.repeated(number, (t.SerializeToString() for t in found.values()))

    encoders: dict[str, Callable[[int], bytes]] = {
        "artifacts": lambda n: node_field(n, rows.artifacts, result.artifacts),
        "executions": lambda n: node_field(n, rows.executions, result.executions),
        "contexts": lambda n: node_field(n, rows.contexts, (row[0] for row in rows.contexts)),
        "artifact_types": lambda n: types(n, ARTIFACT, rows.artifacts),
        "execution_types": lambda n: types(n, EXECUTION, rows.executions),
        "context_types": lambda n: types(n, CONTEXT, rows.contexts),
        "events": lambda n: encoding.repeated(n, (blob for _, _, blob in rows.events)),
        "attributions": lambda n: encoding.links(n, rows.attributions),
        "associations": lambda n: encoding.links(n, rows.associations),
    }
    return b"".join(encoders[name](_NUMBERS[name]) for name in GRAPH_FIELDS if name in fields)
