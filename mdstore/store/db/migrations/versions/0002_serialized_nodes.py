"""Serialized nodes and events, and value indexes for filters.

Adds ``proto`` to artifact, execution, context and event (the message as served)
and fills it for existing rows; replaces each property table's (name,
is_custom_property) index with (name, is_custom_property, int_value) and (name,
is_custom_property, double_value); indexes context.name.

Frozen: the node kinds, the property-row reading and the blob encoding are private
copies here of what mdstore's store code did when this revision was written
(nodes.NODE_KINDS, values.fill_value, node_blobs.node_blob/event_blob), so a later
change to the live encoding cannot change what this upgrade writes. Only the wire
messages (``mdstore.wire.mlmd``, fixed by compatibility with ML Metadata 1.17.1)
come from mdstore.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:30:00
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from mdstore.wire import mlmd

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
BLOB_TABLES = ("artifact", "execution", "context", "event")
PROPERTY_TABLES = ("artifact_property", "execution_property", "context_property")
BATCH = 1000  # rows re-serialized per round trip when filling existing stores


class _Kind(NamedTuple):
    """A node kind: its table, its message class and the columns only it has."""

    label: str
    message: Any
    fields: tuple[str, ...]


# Frozen copy of nodes.NODE_KINDS (the parts this revision reads).
_KINDS = (
    _Kind("artifact", mlmd.Artifact, ("uri", "state")),
    _Kind("execution", mlmd.Execution, ("last_known_state",)),
    _Kind("context", mlmd.Context, ()),
)
# value_kind column values (schema.INT ... schema.BOOL).
_INT, _DOUBLE, _STRING, _STRUCT, _PROTO, _BOOL = 1, 2, 3, 4, 5, 6


# Plain ALTERs, not batch mode: SQLite adds and drops columns and indexes in place
# (3.35+), and batch mode's table copy would trip the foreign keys pointing here.
def upgrade() -> None:
    for table in BLOB_TABLES:
        op.add_column(table, sa.Column("proto", BLOB, nullable=True))
    for table in PROPERTY_TABLES:
        op.drop_index(op.f(f"ix_{table}_name_is_custom_property"), table_name=table)
        for value in ("int_value", "double_value"):
            op.create_index(
                op.f(f"ix_{table}_name_is_custom_property_{value}"),
                table,
                ["name", "is_custom_property", value],
            )
    op.create_index(op.f("ix_context_name"), "context", ["name"])
    conn = op.get_bind()
    for kind in _KINDS:
        _fill_nodes(conn, kind)
    _fill_events(conn)


def downgrade() -> None:
    op.drop_index(op.f("ix_context_name"), table_name="context")
    for table in PROPERTY_TABLES:
        # MySQL needs an index on the foreign key's leading column before the old one goes.
        op.create_index(
            op.f(f"ix_{table}_name_is_custom_property"), table, ["name", "is_custom_property"]
        )
        for value in ("int_value", "double_value"):
            op.drop_index(op.f(f"ix_{table}_name_is_custom_property_{value}"), table_name=table)
    for table in BLOB_TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN proto")


def _fill_nodes(conn: sa.Connection, kind: _Kind) -> None:
    """Rebuilds each node's message from its columns and properties, as 0001 read them."""
    table = kind.label
    columns = ["id", "type_id", "name", "external_id", *kind.fields]
    times = ["create_time_since_epoch", "last_update_time_since_epoch"]
    names: dict[int, str] = dict(conn.execute(sa.text("SELECT id, name FROM type")).all())
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                f"SELECT {', '.join(columns + times)} FROM {table} WHERE id > :last "
                f"ORDER BY id LIMIT {BATCH}"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        nodes = {row[0]: _node(kind, columns, row) for row in rows}
        _fill_properties(conn, table, nodes)
        updates = [
            {
                "node_id": row[0],
                "proto": _node_blob(kind, nodes[row[0]], names[row[1]], row[-2], row[-1]),
            }
            for row in rows
        ]
        conn.execute(sa.text(f"UPDATE {table} SET proto = :proto WHERE id = :node_id"), updates)
        last = rows[-1][0]


def _node(kind: _Kind, columns: list[str], row: Any) -> Any:
    """The node message of a row: its set columns but the id (times are left to the blob)."""
    values = {c: v for c, v in zip(columns, row, strict=False) if v is not None and c != "id"}
    return kind.message(**values)


def _fill_properties(conn: sa.Connection, table: str, nodes: dict[int, Any]) -> None:
    """Sets the properties and custom properties of ``nodes`` (id -> message)."""
    query = sa.text(
        f"SELECT {table}_id, name, is_custom_property, value_kind, int_value, double_value, "
        f"string_value, bool_value, byte_value FROM {table}_property "
        f"WHERE {table}_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for node_id, name, is_custom, *value in conn.execute(query, {"ids": list(nodes)}):
        node = nodes[node_id]
        _fill_value((node.custom_properties if is_custom else node.properties)[name], value)


def _fill_events(conn: sa.Connection) -> None:
    """Writes each event's blob from its columns and path steps, by batches of ids."""
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, artifact_id, execution_id, type, milliseconds_since_epoch "
                f"FROM event WHERE id > :last ORDER BY id LIMIT {BATCH}"
            ),
            {"last": last},
        ).all()
        if not rows:
            return
        steps = _event_steps(conn, [row[0] for row in rows])
        updates = []
        for event_id, artifact_id, execution_id, event_type, ms in rows:
            event = mlmd.Event(artifact_id=artifact_id, execution_id=execution_id, type=event_type)
            event.path.steps.extend(steps[event_id])
            updates.append({"event_id": event_id, "proto": _event_blob(event, ms)})
        conn.execute(sa.text("UPDATE event SET proto = :proto WHERE id = :event_id"), updates)
        last = rows[-1][0]


def _event_steps(conn: sa.Connection, ids: list[int]) -> dict[int, list[Any]]:
    """Event id -> its path steps in order (events without a path are absent)."""
    steps = defaultdict(list)
    query = sa.text(
        "SELECT event_id, is_index_step, step_index, step_key FROM event_path "
        "WHERE event_id IN :ids ORDER BY event_id, position"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for event_id, is_index, index, key in conn.execute(query, {"ids": ids}):
        steps[event_id].append(
            mlmd.Event.Path.Step(index=index) if is_index else mlmd.Event.Path.Step(key=key)
        )
    return steps


# Frozen copies of values.fill_value and node_blobs.node_blob/event_blob as of this
# revision: they must keep giving these bytes whatever the live code later does
# (tests/store/db/test_frozen_migrations.py compares them with the live functions while both exist).


def _fill_value(value: Any, row: Sequence[Any]) -> None:
    """Sets a Value message from a property row's value columns.

    Args:
        value: the Value to set.
        row: (value_kind, int_value, double_value, string_value, bool_value,
            byte_value); structs and protos arrive serialized in byte_value.
    """
    kind, int_value, double_value, string_value, bool_value, byte_value = row
    if kind == _INT:
        value.int_value = int_value
    elif kind == _DOUBLE:
        value.double_value = double_value
    elif kind == _STRING:
        value.string_value = string_value
    elif kind == _BOOL:
        value.bool_value = bool(bool_value)
    elif kind == _STRUCT:
        value.struct_value.ParseFromString(byte_value)
    elif kind == _PROTO:
        value.proto_value.ParseFromString(byte_value)


def _node_blob(kind: _Kind, node: Any, type_name: str, created: int, updated: int) -> bytes:
    """The stored form of a node: the fields mdstore keeps, never the id.

    Args:
        kind: the node's kind.
        node: the node message (other fields, such as ``id``, are left out).
        type_name: the name of its type, stored as ``type``.
        created: create_time_since_epoch.
        updated: last_update_time_since_epoch.

    Returns:
        The message serialized deterministically (map entries sorted by key).
    """
    fields = {
        f: getattr(node, f) for f in (*kind.fields, "name", "external_id") if node.HasField(f)
    }
    message = kind.message(
        type_id=node.type_id,
        type=type_name,
        create_time_since_epoch=created,
        last_update_time_since_epoch=updated,
        properties=node.properties,
        custom_properties=node.custom_properties,
        **fields,
    )
    return bytes(message.SerializeToString(deterministic=True))


def _event_blob(event: Any, milliseconds: int) -> bytes:
    """The stored form of an event: its ids, type, time and path.

    An empty path is left unset, so it reads back unset, as MLMD returns it.

    Args:
        event: the Event message.
        milliseconds: milliseconds_since_epoch.

    Returns:
        The message serialized deterministically.
    """
    message = mlmd.Event(
        artifact_id=event.artifact_id,
        execution_id=event.execution_id,
        type=event.type,
        milliseconds_since_epoch=milliseconds,
    )
    if event.path.steps:
        message.path.CopyFrom(event.path)
    return bytes(message.SerializeToString(deterministic=True))
