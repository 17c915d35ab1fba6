"""Artifacts, executions and contexts: what differs between them, and reading them.

Reads parse each node's stored message (store/node_blobs.py): one query, whatever
the number of nodes, and no property-table join.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Select, Table, select

from mdstore.store import schema
from mdstore.store.node_blobs import parse_nodes
from mdstore.store.raw_sql import CHUNK, fetch_chunked
from mdstore.store.type_ops import ARTIFACT_TYPE, CONTEXT_TYPE, EXECUTION_TYPE, TypeKind
from mdstore.store.values import VALUE_COLUMNS, to_row
from mdstore.wire import mlmd


@dataclass(frozen=True)
class NodeKind:
    """The tables, message and kind-specific fields of one node kind."""

    label: str  # "artifact"
    title: str  # "Artifact", as in RPC names
    plural: str  # "artifacts", as in response fields
    table: Table
    properties: Table
    type_kind: TypeKind
    message: Any
    fields: tuple[str, ...]  # columns only this kind has, same names as the message fields

    @property
    def property_fk(self) -> Any:
        return self.properties.c[f"{self.label}_id"]


ARTIFACT = NodeKind(
    "artifact",
    "Artifact",
    "artifacts",
    schema.artifact_table,
    schema.artifact_property_table,
    ARTIFACT_TYPE,
    mlmd.Artifact,
    ("uri", "state"),
)
EXECUTION = NodeKind(
    "execution",
    "Execution",
    "executions",
    schema.execution_table,
    schema.execution_property_table,
    EXECUTION_TYPE,
    mlmd.Execution,
    ("last_known_state",),
)
CONTEXT = NodeKind(
    "context",
    "Context",
    "contexts",
    schema.context_table,
    schema.context_property_table,
    CONTEXT_TYPE,
    mlmd.Context,
    (),
)
NODE_KINDS = (ARTIFACT, EXECUTION, CONTEXT)


_T = TypeVar("_T")


def chunks(ids: Iterable[_T]) -> Iterable[list[_T]]:
    """Splits ids (or other keys, such as external ids) into lists of at most CHUNK."""
    items = list(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def node_query(kind: NodeKind) -> Select[Any]:
    """SELECT of what a node read needs: the id and blob first (``parse_nodes``),
    then the columns pages are ordered by (``paging``)."""
    t = kind.table
    return select(t.c.id, t.c.proto, t.c.create_time_since_epoch, t.c.last_update_time_since_epoch)


def load_nodes(conn: Connection, kind: NodeKind, where: ColumnElement[bool]) -> list[Any]:
    """Nodes matching ``where``, ordered by id, as messages with properties."""
    rows = conn.execute(node_query(kind).where(where).order_by(kind.table.c.id)).all()
    return parse_nodes(kind, rows)


# Driver-level SQL (store/raw_sql.py): the read every Get*ByID and lineage graph runs.
_BY_ID_SQL = {
    k.label: f"SELECT id, proto, type_id FROM {k.table.name} WHERE id IN ({{}})" for k in NODE_KINDS
}


def node_rows(conn: Connection, kind: NodeKind, ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """``(id, proto, type_id)`` of the nodes with these ids that exist, ordered by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    rows = fetch_chunked(conn, _BY_ID_SQL[kind.label], wanted)
    rows.sort(key=lambda row: row[0])
    return rows


def nodes_by_id(conn: Connection, kind: NodeKind, ids: Iterable[int]) -> list[Any]:
    """The nodes with these ids that exist, ordered by id."""
    return parse_nodes(kind, node_rows(conn, kind, ids))


def property_columns(kind: NodeKind) -> tuple[str, ...]:
    """The property table's columns, in the order ``property_rows`` gives them."""
    return (f"{kind.label}_id", "name", "is_custom_property", *VALUE_COLUMNS)


def property_rows(kind: NodeKind, node_id: int, node: Any) -> list[tuple[Any, ...]]:
    """The property-table rows (``property_columns`` order) for a node's properties
    and custom properties."""
    return [
        (node_id, name, is_custom, *to_row(value))
        for is_custom, props in ((False, node.properties), (True, node.custom_properties))
        for name, value in props.items()
    ]
