"""Artifacts, executions and contexts: what differs between them, and reading them.

Rows become messages here, once: one query for the node rows (joined to their type
for the type name) and one for all their properties, whatever the number of nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Table, bindparam, select

from mdstore.store import schema
from mdstore.store.type_ops import ARTIFACT_TYPE, CONTEXT_TYPE, EXECUTION_TYPE, TypeKind
from mdstore.store.values import fill_value, to_row
from mdstore.wire import mlmd

# Big IN lists are split so no backend hits its bound-parameter limit.
CHUNK = 500


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


def chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    """Splits ids into lists of at most CHUNK."""
    items = list(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def node_query(kind: NodeKind) -> Select[Any]:
    """SELECT of a node kind's columns plus its type's name."""
    t = schema.type_table
    return select(kind.table, t.c.name.label("type_name")).join(t, t.c.id == kind.table.c.type_id)


# Statements built once per kind: SQLAlchemy caches their compiled form, so a read
# skips rebuilding the Core statement (the bulk of a small query's Python cost).
# The expanding "ids" parameter takes a list of any length.
_BY_ID = {
    k.label: node_query(k)
    .where(k.table.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(k.table.c.id)
    for k in NODE_KINDS
}
_PROPERTIES_OF = {
    k.label: select(k.properties).where(k.property_fk.in_(bindparam("ids", expanding=True)))
    for k in NODE_KINDS
}


def load_nodes(conn: Connection, kind: NodeKind, where: ColumnElement[bool]) -> list[Any]:
    """Nodes matching ``where``, ordered by id, as messages with properties."""
    rows = conn.execute(node_query(kind).where(where).order_by(kind.table.c.id)).all()
    return to_messages(conn, kind, rows)


def nodes_by_id(conn: Connection, kind: NodeKind, ids: Iterable[int]) -> list[Any]:
    """The nodes with these ids that exist, ordered by id."""
    out: list[Any] = []
    for chunk in chunks(sorted(set(ids))):
        rows = conn.execute(_BY_ID[kind.label], {"ids": chunk}).all()
        out.extend(to_messages(conn, kind, rows))
    return out


def to_messages(conn: Connection, kind: NodeKind, rows: Sequence[Any]) -> list[Any]:
    """Node rows (from ``node_query``) -> messages, loading properties in batches."""
    if not rows:
        return []
    build = _message_builder(kind, rows[0]._fields)
    messages = {row[0]: build(row) for row in rows}
    for chunk in chunks(messages):
        for prop in conn.execute(_PROPERTIES_OF[kind.label], {"ids": chunk}):
            node_id, name, is_custom, *value_columns = prop
            node = messages[node_id]
            target = node.custom_properties if is_custom else node.properties
            fill_value(target[name], value_columns)
    return [messages[row[0]] for row in rows]


def _message_builder(kind: NodeKind, columns: Sequence[str]) -> Any:
    """A function row -> message for rows with these columns (id first).

    Works on positions, not names, and passes keyword arguments to the message
    constructor: attribute access on rows and per-field setattr cost more than the
    query itself for small reads. NULL columns are left unset, as MLMD does.
    """
    wanted = {"id", "type_id", "name", "external_id", "create_time_since_epoch"}
    wanted.update(("last_update_time_since_epoch", "type_name", *kind.fields))
    picked = [(i, "type" if c == "type_name" else c) for i, c in enumerate(columns) if c in wanted]
    message = kind.message

    def build(row: Any) -> Any:
        return message(**{field: row[i] for i, field in picked if row[i] is not None})

    return build


def property_rows(kind: NodeKind, node_id: int, node: Any) -> list[dict[str, Any]]:
    """The property-table rows for a node message's properties and custom properties."""

    rows = []
    for is_custom, props in ((False, node.properties), (True, node.custom_properties)):
        for name, value in props.items():
            rows.append(
                {
                    f"{kind.label}_id": node_id,
                    "name": name,
                    "is_custom_property": is_custom,
                    **to_row(value),
                }
            )
    return rows
