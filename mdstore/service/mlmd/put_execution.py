"""PutExecution and PutLineageSubgraph: nodes, events and contexts in one request.

Both share one implementation of the steps (all in the request's one transaction):
1. upsert the executions;
2. upsert the artifacts; with reuse_artifact_if_already_exist_by_external_id an
   artifact without id whose external_id is stored updates that stored artifact;
3. insert the events, filling in the execution and artifact ids;
4. upsert the contexts; with reuse_context_if_already_exist a new context whose
   (type, name) is stored reuses it unchanged, and with force_reuse_context
   (PutExecution only) a context given with an id is used as is, not updated;
5. attribute every artifact and associate every execution with every context.

A reuse lookup can go stale: another server may commit the same external id or
context name between the lookup and the insert. The request is then rerun
(``ConflictRetry``), and the rerun reuses the committed row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mdstore.errors import AlreadyExistsError, InvalidArgumentError, OutOfRangeError
from mdstore.store import ConflictRetry, Transaction
from mdstore.store.records.events import put_events
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION
from mdstore.store.records.links import associate, attribute
from mdstore.store.records.node_writes import put_nodes
from mdstore.store.records.nodes import ids_by_external_id, ids_by_name, require_exist
from mdstore.store.records.validation import require
from mdstore.wire import mlmd


def put_execution(conn: Transaction, request: Any) -> Any:
    """PutExecution: one execution with its artifacts, events and contexts."""
    options = request.options
    require(request.HasField("execution"), "PutExecution needs an execution")
    for pair in request.artifact_event_pairs:
        require(pair.HasField("artifact"), "each artifact_event_pair needs an artifact")
    [execution_id] = put_nodes(
        conn, EXECUTION, [request.execution], force_update_time=options.force_update_time
    )
    artifacts = [pair.artifact for pair in request.artifact_event_pairs]
    artifact_ids, new_artifacts = _put_artifacts(
        conn, artifacts, options.reuse_artifact_if_already_exist_by_external_id
    )
    events = [
        _pair_event(pair.event, execution_id, artifact_id)
        for pair, artifact_id in zip(request.artifact_event_pairs, artifact_ids, strict=True)
        if pair.HasField("event")
    ]
    # put_nodes just wrote (or read and locked) every node the events name, and a
    # new execution has no events yet: skip reading those back.
    new_execution = not request.execution.HasField("id")
    put_events(conn, events, nodes_checked=True, fresh=new_execution)
    reuse = _ContextReuse(options.reuse_context_if_already_exist, options.force_reuse_context)
    context_ids = _put_contexts(conn, request.contexts, reuse)
    fresh_executions = {execution_id} if new_execution else set()
    _link(conn, context_ids, (artifact_ids, new_artifacts), ([execution_id], fresh_executions))
    return mlmd.PutExecutionResponse(
        execution_id=execution_id, artifact_ids=artifact_ids, context_ids=context_ids
    )


def put_lineage_subgraph(conn: Transaction, request: Any) -> Any:
    """PutLineageSubgraph: executions, artifacts and contexts, then the events
    between them; every artifact and execution is linked to every context.

    An event edge names its execution and artifact by index into the request's
    lists, or, when an index is unset, by the ids already in its event.

    Raises:
        OutOfRangeError: an index outside its list.
        InvalidArgumentError: an edge whose event names other ids than its
            indexes, or a node that does not exist.
    """
    options = request.options
    execution_ids = put_nodes(conn, EXECUTION, list(request.executions))
    new_executions = {
        i for x, i in zip(request.executions, execution_ids, strict=True) if not x.HasField("id")
    }
    artifact_ids, new_artifacts = _put_artifacts(
        conn, request.artifacts, options.reuse_artifact_if_already_exist_by_external_id
    )
    events = [_edge_event(edge, execution_ids, artifact_ids) for edge in request.event_edges]
    put_events(conn, events)
    reuse = _ContextReuse(options.reuse_context_if_already_exist, force=False)
    context_ids = _put_contexts(conn, request.contexts, reuse)
    _link(conn, context_ids, (artifact_ids, new_artifacts), (execution_ids, new_executions))
    return mlmd.PutLineageSubgraphResponse(
        execution_ids=execution_ids, artifact_ids=artifact_ids, context_ids=context_ids
    )


# ---------------------------------------------------------------- shared steps


def _reusing(put: Callable[[], list[int]]) -> list[int]:
    """Runs a put whose reuse lookup a concurrent commit may have made stale."""
    try:
        return put()
    except AlreadyExistsError as e:
        raise ConflictRetry(e) from e


def _put_artifacts(
    conn: Transaction, requested: Sequence[Any], reuse_by_external_id: bool
) -> tuple[list[int], set[int]]:
    """Upserts artifacts (copies: adoption sets ids); returns their ids and the
    ids created."""
    artifacts = [_copy(mlmd.Artifact, a) for a in requested]
    if not reuse_by_external_id:
        ids = put_nodes(conn, ARTIFACT, artifacts)
    else:
        _adopt_by_external_id(conn, artifacts)
        ids = _reusing(lambda: put_nodes(conn, ARTIFACT, artifacts))
    created = {i for a, i in zip(artifacts, ids, strict=True) if not a.HasField("id")}
    return ids, created


def _adopt_by_external_id(conn: Transaction, artifacts: list[Any]) -> None:
    """Gives new artifacts the id of the stored artifact with their external_id."""
    new = [a for a in artifacts if not a.HasField("id") and a.HasField("external_id")]
    stored = ids_by_external_id(conn, ARTIFACT, [a.external_id for a in new])
    for a in new:
        if a.external_id in stored:
            a.id = stored[a.external_id]


@dataclass(frozen=True)
class _ContextReuse:
    """How a request's contexts may reuse stored ones."""

    by_name: bool  # reuse_context_if_already_exist
    force: bool  # force_reuse_context: a context with an id is linked, never updated


@dataclass
class _ContextPlan:
    """Which request contexts take a stored id, and which are put (serving which
    request positions: a name repeated under reuse is put once)."""

    ids: list[int | None]
    to_put: list[Any]
    served: list[list[int]]


def _put_contexts(conn: Transaction, contexts: Sequence[Any], reuse: _ContextReuse) -> list[int]:
    """Upserts or reuses the contexts; returns their ids in request order."""
    plan = _plan_contexts(conn, contexts, reuse)

    def put() -> list[int]:
        return put_nodes(conn, CONTEXT, plan.to_put)

    new_ids = _reusing(put) if reuse.by_name else put()
    for positions, context_id in zip(plan.served, new_ids, strict=True):
        for i in positions:
            plan.ids[i] = context_id
    if reuse.force:
        require_exist(conn, CONTEXT, [i for i in plan.ids if i is not None])
    return [int(i) for i in plan.ids if i is not None]


def _plan_contexts(
    conn: Transaction, contexts: Sequence[Any], reuse: _ContextReuse
) -> _ContextPlan:
    plan = _ContextPlan([None] * len(contexts), [], [])
    stored = _stored_names(conn, contexts) if reuse.by_name else {}
    first_new: dict[tuple[int, str], int] = {}  # with reuse, a name repeated in the request
    for i, context in enumerate(contexts):
        key, new = (context.type_id, context.name), not context.HasField("id")
        if not new and reuse.force:
            plan.ids[i] = context.id
        elif new and key in stored:
            plan.ids[i] = stored[key]
        elif new and reuse.by_name and key in first_new:
            plan.served[first_new[key]].append(i)
        else:
            if new:
                first_new[key] = len(plan.to_put)
            plan.to_put.append(context)
            plan.served.append([i])
    return plan


def _stored_names(conn: Transaction, contexts: Iterable[Any]) -> dict[tuple[int, str], int]:
    keys = [(c.type_id, c.name) for c in contexts if not c.HasField("id") and c.HasField("name")]
    return ids_by_name(conn, CONTEXT, keys)


def _link(
    conn: Transaction,
    context_ids: list[int],
    artifacts: tuple[list[int], set[int]],
    executions: tuple[list[int], set[int]],
) -> None:
    """Links every (artifact ids, of them new) and (execution ids, of them new) to
    every context; new nodes cannot be linked yet, so their lookup is skipped."""
    artifact_ids, new_artifacts = artifacts
    execution_ids, new_executions = executions
    attribute(conn, [(c, a) for c in context_ids for a in artifact_ids], fresh=new_artifacts)
    associate(conn, [(c, e) for c in context_ids for e in execution_ids], fresh=new_executions)


def _copy(message_class: Any, message: Any) -> Any:
    copy = message_class()
    copy.CopyFrom(message)
    return copy


# ---------------------------------------------------------------- events


def _pair_event(requested: Any, execution_id: int, artifact_id: int) -> Any:
    event = _copy(mlmd.Event, requested)
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
