"""Writing imported rows into mdstore's tables with their ML Metadata ids kept.

The rows are those mdstore's own writers produce (the same columns, property
rows, stored messages and path rows), reported to the request's audit journal
like any write, so ``audit verify`` covers imported data too. Links and events
are stamped as recorded when they happened in MLMD (the event's time, the later
of the two nodes' creation), so as-of lineage before the import sees them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert

from mdstore.store.audit.journal import touched, wrote_events, wrote_nodes, wrote_rows
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import execute_many, insert_sql
from mdstore.store.records.blobs import node_blob
from mdstore.store.records.events import EVENT_COLUMNS, step_rows
from mdstore.store.records.kinds import NodeKind, TypeKind
from mdstore.store.records.node_writes import column_values, node_columns
from mdstore.store.records.nodes import property_columns, property_rows
from mdstore.store.records.types import type_row

_STEP_COLUMNS = ("event_id", "position", "is_index_step", "step_index", "step_key")


def load_types(conn: Transaction, types: Sequence[tuple[TypeKind, Any]]) -> None:
    for kind, msg in types:
        conn.execute(insert(schema.type_table).values(id=msg.id, **type_row(kind, msg)))
        properties = [
            {"type_id": msg.id, "name": n, "data_type": t} for n, t in msg.properties.items()
        ]
        if properties:
            conn.execute(insert(schema.type_property_table), properties)
    touched(conn, "type", [(msg.id,) for _, msg in types])


def load_nodes(
    conn: Transaction, kind: NodeKind, nodes: Sequence[Any], type_names: dict[int, str]
) -> None:
    rows = [
        (
            n.id,
            *column_values(kind, n),
            n.create_time_since_epoch,
            n.last_update_time_since_epoch,
            node_blob(
                kind, n, type_names[n.type_id], n.create_time_since_epoch,
                n.last_update_time_since_epoch,
            ),
        )
        for n in nodes
    ]  # fmt: skip
    columns = ("id", *node_columns(kind), "create_time_since_epoch",
               "last_update_time_since_epoch", "proto")  # fmt: skip
    execute_many(conn, insert_sql(kind.table.name, columns), rows)
    props = [p for n in nodes for p in property_rows(kind, n.id, n)]
    execute_many(conn, insert_sql(kind.properties.name, property_columns(kind)), props)
    wrote_nodes(conn, kind.label, [r[0] for r in rows], [r[-1] for r in rows])


def load_events(conn: Transaction, events: Sequence[tuple[int, Any]]) -> None:
    """``(id, event)`` pairs; an event's blob is the message as MLMD serves it."""
    rows = []
    for _, event in events:
        millis = (
            event.milliseconds_since_epoch if event.HasField("milliseconds_since_epoch") else None
        )
        blob = bytes(event.SerializeToString(deterministic=True))
        rows.append((event.artifact_id, event.execution_id, event.type, millis, blob, millis or 0))
    ids = [event_id for event_id, _ in events]
    execute_many(
        conn,
        insert_sql("event", ("id", *EVENT_COLUMNS)),
        [(i, *r) for i, r in zip(ids, rows, strict=True)],
    )
    steps = [s for event_id, event in events for s in step_rows(event_id, event)]
    execute_many(conn, insert_sql("event_path", _STEP_COLUMNS), steps)
    wrote_events(conn, ids, rows)


def load_links(conn: Transaction, table: str, rows: Sequence[tuple[int, int, int, int]]) -> None:
    """Attribution or association rows ``(id, context_id, node_id, recorded_at)``."""
    node = "artifact" if table == "attribution" else "execution"
    execute_many(conn, insert_sql(table, ("id", "context_id", f"{node}_id", "recorded_at")), rows)
    nodes = {f"{k}:{i}" for _, c, n, _ in rows for k, i in (("context", c), (node, n))}
    wrote_rows(conn, table, [r[1:] for r in rows], nodes)


def load_parent_contexts(conn: Transaction, pairs: Sequence[tuple[int, int]]) -> None:
    execute_many(conn, insert_sql("parent_context", ("context_id", "parent_context_id")), pairs)
    nodes = {f"context:{i}" for pair in pairs for i in pair}
    wrote_rows(conn, "parent_context", pairs, nodes)
