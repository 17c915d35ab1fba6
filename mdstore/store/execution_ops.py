"""PutExecution: one execution with its artifacts, events and contexts, atomically.

Order of work (all in the request's one transaction):
1. upsert the execution;
2. upsert the artifacts; with reuse_artifact_if_already_exist_by_external_id an
   artifact without id whose external_id is stored updates that stored artifact;
3. insert the events, filling in the execution and artifact ids (an event that
   names other ids is INVALID_ARGUMENT);
4. upsert the contexts; with reuse_context_if_already_exist a new context whose
   (type, name) is stored reuses it unchanged, and with force_reuse_context a
   context given with an id is used as is, not updated;
5. attribute every artifact and associate the execution with every context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select, tuple_

from mdstore.errors import AlreadyExistsError, InvalidArgumentError, OutOfRangeError
from mdstore.store import schema
from mdstore.store.engine import ConflictRetry
from mdstore.store.link_ops import link_to_contexts, missing_ids, put_events
from mdstore.store.node_writes import put_nodes
from mdstore.store.nodes import ARTIFACT, CONTEXT, EXECUTION, NodeKind
from mdstore.store.rpc import rpc
from mdstore.store.validation import require
from mdstore.wire import mlmd


@rpc("PutExecution")
def put_execution(conn: Connection, request: Any) -> Any:
    """Handler for PutExecution; see the module docstring for the semantics."""
    options = request.options
    require(request.HasField("execution"), "PutExecution needs an execution")
    [execution_id] = put_nodes(
        conn, EXECUTION, [request.execution], force_update_time=options.force_update_time
    )
    artifact_ids, new_artifacts = _put_artifacts(
        conn, request, options.reuse_artifact_if_already_exist_by_external_id
    )
    events = [
        _event(pair, execution_id, artifact_id)
        for pair, artifact_id in zip(request.artifact_event_pairs, artifact_ids, strict=True)
        if pair.HasField("event")
    ]
    # put_nodes just wrote (or read and locked) every node the events name, and a
    # new execution has no events or links yet: skip reading those back.
    new_execution = not request.execution.HasField("id")
    put_events(conn, events, nodes_checked=True, fresh=new_execution)
    context_ids = _put_contexts(conn, request.contexts, options)
    link_to_contexts(
        conn,
        schema.attribution_table,
        "artifact_id",
        [(c, a) for c in context_ids for a in artifact_ids],
        fresh=new_artifacts,
    )
    link_to_contexts(
        conn,
        schema.association_table,
        "execution_id",
        [(c, execution_id) for c in context_ids],
        fresh={execution_id} if new_execution else (),
    )
    return mlmd.PutExecutionResponse(
        execution_id=execution_id, artifact_ids=artifact_ids, context_ids=context_ids
    )


def _put_artifacts(
    conn: Connection, request: Any, reuse_by_external_id: bool
) -> tuple[list[int], set[int]]:
    """Upserts the pairs' artifacts; returns their ids and the ids created."""
    artifacts = []
    for pair in request.artifact_event_pairs:
        require(pair.HasField("artifact"), "each artifact_event_pair needs an artifact")
        artifact = mlmd.Artifact()
        artifact.CopyFrom(pair.artifact)
        artifacts.append(artifact)
    if not reuse_by_external_id:
        ids = put_nodes(conn, ARTIFACT, artifacts)
    else:
        _adopt_ids_by_external_id(conn, artifacts)
        ids = _reusing(lambda: put_nodes(conn, ARTIFACT, artifacts))
    created = {i for a, i in zip(artifacts, ids, strict=True) if not a.HasField("id")}
    return ids, created


def _reusing(put: Callable[[], list[int]]) -> list[int]:
    """Runs a put whose reuse lookup a concurrent commit may have made stale."""
    try:
        return put()
    except AlreadyExistsError as e:
        raise ConflictRetry(e) from e


def _adopt_ids_by_external_id(conn: Connection, artifacts: list[Any]) -> None:
    """Gives new artifacts the id of the stored artifact with their external_id."""
    wanted = [
        a.external_id for a in artifacts if not a.HasField("id") and a.HasField("external_id")
    ]
    if not wanted:
        return
    t = ARTIFACT.table
    query = select(t.c.external_id, t.c.id).where(t.c.external_id.in_(wanted))
    stored = {row.external_id: row.id for row in conn.execute(query)}
    for a in artifacts:
        if not a.HasField("id") and a.external_id in stored:
            a.id = stored[a.external_id]


def _event(pair: Any, execution_id: int, artifact_id: int) -> Any:
    event = mlmd.Event()
    event.CopyFrom(pair.event)
    require(
        not event.HasField("execution_id") or event.execution_id == execution_id,
        f"event execution_id {event.execution_id} does not match the execution {execution_id}",
    )
    require(
        not event.HasField("artifact_id") or event.artifact_id == artifact_id,
        f"event artifact_id {event.artifact_id} does not match its artifact {artifact_id}",
    )
    event.execution_id = execution_id
    event.artifact_id = artifact_id
    return event


def _put_contexts(conn: Connection, contexts: Any, options: Any) -> list[int]:
    ids: list[int | None] = [None] * len(contexts)
    reuse = (
        _stored_by_name(conn, CONTEXT, contexts) if options.reuse_context_if_already_exist else {}
    )
    to_put: list[Any] = []
    positions: list[list[int]] = []  # request positions served by each context put
    first_new: dict[tuple[int, str], int] = {}  # with reuse, a name repeated in the request
    for i, context in enumerate(contexts):
        key = (context.type_id, context.name)
        if context.HasField("id") and _force_reuse(options):
            ids[i] = context.id
        elif not context.HasField("id") and key in reuse:
            ids[i] = reuse[key]
        elif (
            not context.HasField("id")
            and options.reuse_context_if_already_exist
            and key in first_new
        ):
            positions[first_new[key]].append(i)
        else:
            if not context.HasField("id"):
                first_new[key] = len(to_put)
            to_put.append(context)
            positions.append([i])

    def put() -> list[int]:
        return put_nodes(conn, CONTEXT, to_put)

    new_ids = _reusing(put) if options.reuse_context_if_already_exist else put()
    for served, context_id in zip(positions, new_ids, strict=True):
        for i in served:
            ids[i] = context_id
    if _force_reuse(options):
        missing = missing_ids(conn, CONTEXT, [i for i in ids if i is not None])
        require(not missing, f"no context with id {missing[0] if missing else ''}")
    return [int(i) for i in ids if i is not None]


def _force_reuse(options: Any) -> bool:
    # Only PutExecutionRequest.Options has force_reuse_context.
    fields = options.DESCRIPTOR.fields_by_name
    return "force_reuse_context" in fields and bool(options.force_reuse_context)


def _stored_by_name(conn: Connection, kind: NodeKind, nodes: Any) -> dict[tuple[int, str], int]:
    keys = [(n.type_id, n.name) for n in nodes if not n.HasField("id") and n.HasField("name")]
    if not keys:
        return {}
    t = kind.table
    rows = conn.execute(
        select(t.c.type_id, t.c.name, t.c.id).where(tuple_(t.c.type_id, t.c.name).in_(keys))
    )
    return {(r.type_id, r.name): r.id for r in rows}


@rpc("PutLineageSubgraph")
def put_lineage_subgraph(conn: Connection, request: Any) -> Any:
    """Upserts executions, artifacts and contexts, then the events between them.

    An event edge names its execution and artifact by index into the request's
    lists, or, when an index is unset, by the ids already in its event. Every
    artifact and execution is linked to every context, as PutExecution does.

    Raises:
        OutOfRangeError: an index outside its list.
        InvalidArgumentError: an edge whose event names other ids than its indexes.
    """
    options = request.options
    execution_ids = put_nodes(conn, EXECUTION, list(request.executions))
    artifacts = [_copy(mlmd.Artifact, a) for a in request.artifacts]
    if options.reuse_artifact_if_already_exist_by_external_id:
        _adopt_ids_by_external_id(conn, artifacts)
    artifact_ids = put_nodes(conn, ARTIFACT, artifacts)
    put_events(
        conn, [_edge_event(edge, execution_ids, artifact_ids) for edge in request.event_edges]
    )
    context_ids = _put_contexts(conn, request.contexts, options)
    link_to_contexts(
        conn,
        schema.attribution_table,
        "artifact_id",
        [(c, a) for c in context_ids for a in artifact_ids],
    )
    link_to_contexts(
        conn,
        schema.association_table,
        "execution_id",
        [(c, e) for c in context_ids for e in execution_ids],
    )
    return mlmd.PutLineageSubgraphResponse(
        execution_ids=execution_ids, artifact_ids=artifact_ids, context_ids=context_ids
    )


def _copy(message_class: Any, message: Any) -> Any:
    copy = message_class()
    copy.CopyFrom(message)
    return copy


def _edge_event(edge: Any, execution_ids: list[int], artifact_ids: list[int]) -> Any:
    event = _copy(mlmd.Event, edge.event)
    for index_field, ids, id_field in (
        ("execution_index", execution_ids, "execution_id"),
        ("artifact_index", artifact_ids, "artifact_id"),
    ):
        if not edge.HasField(index_field):
            continue
        index = getattr(edge, index_field)
        if not 0 <= index < len(ids):
            raise OutOfRangeError(f"event edge {index_field} {index} is outside 0..{len(ids) - 1}")
        if event.HasField(id_field) and getattr(event, id_field) != ids[index]:
            raise InvalidArgumentError(
                f"event {id_field} {getattr(event, id_field)} does not match {index_field} {index}"
            )
        setattr(event, id_field, ids[index])
    return event
