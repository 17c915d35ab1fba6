"""Writing imported types, events and links with their ML Metadata ids kept (nodes
go through ``records.node_writes.insert_with_ids``).

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

from mdstore.store.audit.journal import touched, wrote_events, wrote_rows
from mdstore.store.db import schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import execute_many, insert_sql
from mdstore.store.records.events import EVENT_COLUMNS, step_rows
from mdstore.store.records.kinds import TypeKind
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
