"""Serialized nodes and events, and value indexes for filters.

Adds ``proto`` to artifact, execution, context and event (the message as served,
see store/node_blobs.py) and fills it for existing rows; replaces each property
table's (name, is_custom_property) index with (name, is_custom_property, int_value)
and (name, is_custom_property, double_value); indexes context.name.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:30:00
"""

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

from mdstore.store.node_blobs import event_blob, node_blob
from mdstore.store.nodes import NODE_KINDS
from mdstore.store.values import fill_value
from mdstore.wire import mlmd

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
BLOB_TABLES = ("artifact", "execution", "context", "event")
PROPERTY_TABLES = ("artifact_property", "execution_property", "context_property")
BATCH = 1000  # rows re-serialized per round trip when filling existing stores


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
    for kind in NODE_KINDS:
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


def _fill_nodes(conn: sa.Connection, kind: Any) -> None:
    """Rebuilds each node's message from its columns and properties, as 0001 read them."""
    table = kind.label
    columns = ["id", "type_id", "name", "external_id", *kind.fields]
    times = ["create_time_since_epoch", "last_update_time_since_epoch"]
    names = dict(conn.execute(sa.text("SELECT id, name FROM type")).all())
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
                "proto": node_blob(kind, nodes[row[0]], names[row[1]], row[-2], row[-1]),
            }
            for row in rows
        ]
        conn.execute(sa.text(f"UPDATE {table} SET proto = :proto WHERE id = :node_id"), updates)
        last = rows[-1][0]


def _node(kind: Any, columns: list[str], row: Any) -> Any:
    values = {c: v for c, v in zip(columns, row, strict=False) if v is not None and c != "id"}
    return kind.message(**values)


def _fill_properties(conn: sa.Connection, table: str, nodes: dict[int, Any]) -> None:
    query = sa.text(
        f"SELECT {table}_id, name, is_custom_property, value_kind, int_value, double_value, "
        f"string_value, bool_value, byte_value FROM {table}_property "
        f"WHERE {table}_id IN :ids"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for node_id, name, is_custom, *value in conn.execute(query, {"ids": list(nodes)}):
        node = nodes[node_id]
        fill_value((node.custom_properties if is_custom else node.properties)[name], value)


def _fill_events(conn: sa.Connection) -> None:
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
        steps = defaultdict(list)
        query = sa.text(
            "SELECT event_id, is_index_step, step_index, step_key FROM event_path "
            "WHERE event_id IN :ids ORDER BY event_id, position"
        ).bindparams(sa.bindparam("ids", expanding=True))
        for event_id, is_index, index, key in conn.execute(query, {"ids": [r[0] for r in rows]}):
            steps[event_id].append(
                mlmd.Event.Path.Step(index=index) if is_index else mlmd.Event.Path.Step(key=key)
            )
        updates = []
        for event_id, artifact_id, execution_id, event_type, ms in rows:
            event = mlmd.Event(artifact_id=artifact_id, execution_id=execution_id, type=event_type)
            event.path.steps.extend(steps[event_id])
            updates.append({"event_id": event_id, "proto": event_blob(event, ms)})
        conn.execute(sa.text("UPDATE event SET proto = :proto WHERE id = :event_id"), updates)
        last = rows[-1][0]
