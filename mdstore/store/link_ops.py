"""Events, attributions, associations and parent contexts, and lookups through them.

Status codes follow MLMD: links naming a node that does not exist are
INVALID_ARGUMENT; a duplicate event or parent-context pair is ALREADY_EXISTS; a
duplicate attribution or association is silently kept once; a parent-context cycle
(including a context being its own parent) is INVALID_ARGUMENT.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select, tuple_

from mdstore.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from mdstore.store import schema
from mdstore.store.node_blobs import event_blob, parse_events
from mdstore.store.node_writes import now_ms
from mdstore.store.nodes import ARTIFACT, CONTEXT, EXECUTION, NodeKind, chunks, load_nodes
from mdstore.store.raw_sql import execute_many, fetch_chunked, fetch_pairs, insert_ids, insert_sql
from mdstore.store.rpc import rpc
from mdstore.store.validation import require
from mdstore.wire import mlmd

E = schema.event_table
ATTR, ASSOC, PARENT = (
    schema.attribution_table,
    schema.association_table,
    schema.parent_context_table,
)


def missing_ids(conn: Connection, kind: NodeKind, ids: Iterable[int]) -> list[int]:
    """The ids among ``ids`` with no row of this node kind."""
    wanted = set(ids)
    found: set[int] = set()
    for chunk in chunks(sorted(wanted)):
        found.update(
            conn.execute(select(kind.table.c.id).where(kind.table.c.id.in_(chunk))).scalars()
        )
    return sorted(wanted - found)


def _require_exist(conn: Connection, kind: NodeKind, ids: Iterable[int]) -> None:
    missing = missing_ids(conn, kind, ids)
    if missing:
        raise InvalidArgumentError(f"no {kind.label} with id {missing[0]}")


# ---------------------------------------------------------------- events


def put_events(
    conn: Connection, events: Sequence[Any], nodes_checked: bool = False, fresh: bool = False
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
        _require_exist(conn, ARTIFACT, [e.artifact_id for e in events])
        _require_exist(conn, EXECUTION, [e.execution_id for e in events])
    keys = [(e.artifact_id, e.execution_id, e.type) for e in events]
    if any(count > 1 for count in Counter(keys).values()):
        raise AlreadyExistsError("the request holds the same event twice")
    if not fresh:
        _reject_stored_events(conn, keys)
    now = now_ms()
    rows = [_event_row(event, now) for event in events]
    event_ids = insert_ids(conn, "event", _EVENT_COLUMNS, rows)
    steps = [
        _step_row(event_id, i, s)
        for event_id, event in zip(event_ids, events, strict=True)
        for i, s in enumerate(event.path.steps)
    ]
    execute_many(conn, _INSERT_STEP, steps)  # one executemany for every path


_EVENT_COLUMNS = ("artifact_id", "execution_id", "type", "milliseconds_since_epoch", "proto")
_INSERT_STEP = insert_sql(
    "event_path", ("event_id", "position", "is_index_step", "step_index", "step_key")
)


def _event_row(event: Any, now: int) -> tuple[Any, ...]:
    """The event's values for _EVENT_COLUMNS."""
    milliseconds = (
        event.milliseconds_since_epoch if event.HasField("milliseconds_since_epoch") else now
    )
    return (
        event.artifact_id,
        event.execution_id,
        event.type,
        milliseconds,
        event_blob(event, milliseconds),
    )


def _reject_stored_events(conn: Connection, keys: list[tuple[int, int, int]]) -> None:
    for chunk in [keys[i : i + 200] for i in range(0, len(keys), 200)]:
        taken = conn.execute(
            select(E.c.id).where(tuple_(E.c.artifact_id, E.c.execution_id, E.c.type).in_(chunk))
        ).first()
        if taken is not None:
            raise AlreadyExistsError("an event with the same artifact, execution and type exists")


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


# Driver-level SQL (store/raw_sql.py): lineage graphs read events on every call.
_EVENTS_BY_SQL = {
    column: f"SELECT id, proto, artifact_id, execution_id FROM event WHERE {column} IN ({{}})"
    for column in ("artifact_id", "execution_id")
}


def event_rows(conn: Connection, column: str, ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """``(id, proto, artifact_id, execution_id)`` of the events whose ``column``
    (artifact_id or execution_id) is in ids, in the order they were recorded."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    rows = fetch_chunked(conn, _EVENTS_BY_SQL[column], wanted)
    rows.sort(key=lambda row: row[0])
    return rows


def load_events(conn: Connection, column: Any, ids: Iterable[int]) -> list[Any]:
    """Events whose ``column`` (artifact_id or execution_id) is in ids, with paths."""
    return parse_events(mlmd.Event, (row[1] for row in event_rows(conn, column.name, ids)))


@rpc("PutEvents")
def put_events_handler(conn: Connection, request: Any) -> Any:
    put_events(conn, request.events)
    return mlmd.PutEventsResponse()


@rpc("GetEventsByExecutionIDs", read_only=True)
def get_events_by_execution_ids(conn: Connection, request: Any) -> Any:
    return mlmd.GetEventsByExecutionIDsResponse(
        events=load_events(conn, E.c.execution_id, request.execution_ids)
    )


@rpc("GetEventsByArtifactIDs", read_only=True)
def get_events_by_artifact_ids(conn: Connection, request: Any) -> Any:
    return mlmd.GetEventsByArtifactIDsResponse(
        events=load_events(conn, E.c.artifact_id, request.artifact_ids)
    )


# ---------------------------------------------------------------- attributions, associations


def link_to_contexts(
    conn: Connection,
    table: Any,
    node_column: str,
    pairs: Iterable[tuple[int, int]],
    fresh: Collection[int] = (),
) -> None:
    """Inserts (context_id, node_id) pairs that are not stored yet.

    ``fresh`` holds node ids created in this transaction: they cannot be linked
    yet, so their pairs skip the lookup of stored links.
    """
    wanted = sorted(set(pairs))
    if not wanted:
        return
    columns = ("context_id", node_column)
    unsure = [(c, n) for c, n in wanted if n not in fresh]
    select = f"SELECT context_id, {node_column} FROM {table.name}"
    existing = {(c, n) for c, n in fetch_pairs(conn, select, columns, unsure)}
    new = [(c, n) for c, n in wanted if (c, n) not in existing]
    execute_many(conn, insert_sql(table.name, columns), new)


@rpc("PutAttributionsAndAssociations")
def put_attributions_and_associations(conn: Connection, request: Any) -> Any:
    """Links artifacts and executions to contexts; existing links are kept once."""
    for link in (*request.attributions, *request.associations):
        require(link.HasField("context_id"), "context_id is missing")
    for a in request.attributions:
        require(a.HasField("artifact_id"), "attribution artifact_id is missing")
    for a in request.associations:
        require(a.HasField("execution_id"), "association execution_id is missing")
    _require_exist(
        conn, CONTEXT, [x.context_id for x in (*request.attributions, *request.associations)]
    )
    _require_exist(conn, ARTIFACT, [a.artifact_id for a in request.attributions])
    _require_exist(conn, EXECUTION, [a.execution_id for a in request.associations])
    link_to_contexts(
        conn, ATTR, "artifact_id", [(a.context_id, a.artifact_id) for a in request.attributions]
    )
    link_to_contexts(
        conn, ASSOC, "execution_id", [(a.context_id, a.execution_id) for a in request.associations]
    )
    return mlmd.PutAttributionsAndAssociationsResponse()


def _contexts_of(table: Any, node_column: str, field: str, label: str):  # type: ignore[no-untyped-def]
    def handler(conn: Connection, request: Any) -> Any:
        node_id = getattr(request, field)
        ids = select(table.c.context_id).where(table.c[node_column] == node_id)
        contexts = load_nodes(conn, CONTEXT, CONTEXT.table.c.id.in_(ids))
        if not contexts:
            # MLMD answers NOT_FOUND here (even for a node that exists); clients expect it.
            raise NotFoundError(f"no contexts found for {label} {node_id}")
        return getattr(mlmd, f"GetContextsBy{label.title()}Response")(contexts=contexts)

    return handler


rpc("GetContextsByArtifact", read_only=True)(
    _contexts_of(ATTR, "artifact_id", "artifact_id", "artifact")
)
rpc("GetContextsByExecution", read_only=True)(
    _contexts_of(ASSOC, "execution_id", "execution_id", "execution")
)
