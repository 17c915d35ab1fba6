"""Events: inserting them with their paths, and reading them by node.

Status codes follow MLMD: an event naming a node that does not exist is
INVALID_ARGUMENT; a duplicate (artifact, execution, type) is ALREADY_EXISTS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select, tuple_

from mdstore.errors import AlreadyExistsError
from mdstore.store.audit.journal import wrote_events
from mdstore.store.db import clock, schema
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import (
    PAIR_CHUNK,
    batches,
    execute_many,
    fetch,
    fetch_chunked,
    insert_ids,
    insert_sql,
)
from mdstore.store.records.blobs import event_blob, parse_events
from mdstore.store.records.kinds import ARTIFACT, EXECUTION
from mdstore.store.records.nodes import require_exist
from mdstore.store.records.validation import require
from mdstore.wire import mlmd

E = schema.event_table


def put_events(
    conn: Transaction, events: Sequence[Any], nodes_checked: bool = False, fresh: bool = False
) -> None:
    """Inserts events with their paths; times default to now.

    ``nodes_checked``: the caller has just written (or locked) every artifact and
    execution named, so their existence need not be read back. ``fresh``: every
    event's execution was created in this transaction, so none of them can be
    stored already and the duplicate lookup is skipped.
    """
    for event in events:
        require(event.HasField("artifact_id"), "event artifact_id is missing")
        require(event.HasField("execution_id"), "event execution_id is missing")
        require(event.type != 0, "event type is not specified")
    if not nodes_checked:
        require_exist(conn, ARTIFACT, [e.artifact_id for e in events])
        require_exist(conn, EXECUTION, [e.execution_id for e in events])
    keys = [(e.artifact_id, e.execution_id, e.type) for e in events]
    if any(count > 1 for count in Counter(keys).values()):
        raise AlreadyExistsError("the request holds the same event twice")
    if not fresh:
        _reject_stored_events(conn, keys)
    now = clock.now_ms()
    rows = [_event_row(event, now) for event in events]
    event_ids = insert_ids(conn, "event", EVENT_COLUMNS, rows)
    wrote_events(conn, event_ids, rows)
    steps = [
        step
        for event_id, event in zip(event_ids, events, strict=True)
        for step in step_rows(event_id, event)
    ]
    execute_many(conn, _INSERT_STEP, steps)  # one executemany for every path


EVENT_COLUMNS = (
    "artifact_id",
    "execution_id",
    "type",
    "milliseconds_since_epoch",
    "proto",
    "recorded_at",
)
_INSERT_STEP = insert_sql(
    "event_path", ("event_id", "position", "is_index_step", "step_index", "step_key")
)


def _event_row(event: Any, now: int) -> tuple[Any, ...]:
    """The event's values for EVENT_COLUMNS."""
    milliseconds = (
        event.milliseconds_since_epoch if event.HasField("milliseconds_since_epoch") else now
    )
    return (
        event.artifact_id,
        event.execution_id,
        event.type,
        milliseconds,
        event_blob(event, milliseconds),
        now,
    )


def _reject_stored_events(conn: Transaction, keys: list[tuple[int, int, int]]) -> None:
    for chunk in batches(keys, PAIR_CHUNK):
        taken = conn.execute(
            select(E.c.id).where(tuple_(E.c.artifact_id, E.c.execution_id, E.c.type).in_(chunk))
        ).first()
        if taken is not None:
            raise AlreadyExistsError("an event with the same artifact, execution and type exists")


def step_rows(event_id: int, event: Any) -> list[tuple[Any, ...]]:
    """The event_path rows of an event's path."""
    return [_step_row(event_id, i, s) for i, s in enumerate(event.path.steps)]


def _step_row(event_id: int, position: int, step: Any) -> tuple[Any, ...]:
    which = step.WhichOneof("value")
    require(which is not None, "an event path step must set index or key")
    return (
        event_id,
        position,
        which == "index",
        step.index if which == "index" else None,
        step.key if which == "key" else None,
    )


# Driver-level SQL (store/driver.py): lineage graphs read events on every call.
_EVENTS_BY_SQL = {
    column: f"SELECT id, proto, artifact_id, execution_id, type FROM event WHERE {column} IN ({{}})"
    for column in ("artifact_id", "execution_id")
}
# The same, as of a time: the events recorded by then.
_EVENTS_BY_SQL_AS_OF = {
    column: f"SELECT id, proto, artifact_id, execution_id, type FROM event"
    f" WHERE recorded_at <= {{}} AND {column} IN ({{}})"
    for column in ("artifact_id", "execution_id")
}


def event_rows(
    conn: Transaction, column: str, ids: Iterable[int], as_of: int | None = None
) -> list[tuple[Any, ...]]:
    """``(id, proto, artifact_id, execution_id, type)`` of the events whose ``column``
    (artifact_id or execution_id) is in ids (and recorded by ``as_of``), in the
    order they were recorded."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    if as_of is None:
        rows = fetch_chunked(conn, _EVENTS_BY_SQL[column], wanted)
    else:
        template = _EVENTS_BY_SQL_AS_OF[column]
        rows = [row for batch in batches(wanted) for row in fetch(conn, template, [as_of], batch)]
    rows.sort(key=lambda row: row[0])
    return rows


def events_of(conn: Transaction, column: str, ids: Iterable[int]) -> list[Any]:
    """Events whose ``column`` (artifact_id or execution_id) is in ids, with paths."""
    return parse_events(mlmd.Event, (row[1] for row in event_rows(conn, column, ids)))
