"""Handlers of what links nodes to contexts: attributions, associations, parents.

Status codes follow MLMD: links naming a node that does not exist are
INVALID_ARGUMENT; a duplicate parent-context pair is ALREADY_EXISTS; a duplicate
attribution or association is silently kept once; a parent-context cycle
(including a context being its own parent) is INVALID_ARGUMENT.
"""

from __future__ import annotations

from typing import Any

from mdstore.errors import NotFoundError
from mdstore.store import Transaction
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, NodeKind
from mdstore.store.records.links import associate, attribute
from mdstore.store.records.nodes import contexts_of, require_exist
from mdstore.store.records.parent_contexts import add_parent_contexts, related_contexts
from mdstore.store.records.validation import require
from mdstore.wire import mlmd


def put_attributions_and_associations(conn: Transaction, request: Any) -> Any:
    """PutAttributionsAndAssociations: links artifacts and executions to contexts;
    existing links are kept once."""
    attributions, associations = request.attributions, request.associations
    for link in (*attributions, *associations):
        require(link.HasField("context_id"), "context_id is missing")
    for a in attributions:
        require(a.HasField("artifact_id"), "attribution artifact_id is missing")
    for a in associations:
        require(a.HasField("execution_id"), "association execution_id is missing")
    require_exist(conn, CONTEXT, [x.context_id for x in (*attributions, *associations)])
    require_exist(conn, ARTIFACT, [a.artifact_id for a in attributions])
    require_exist(conn, EXECUTION, [a.execution_id for a in associations])
    attribute(conn, [(a.context_id, a.artifact_id) for a in attributions])
    associate(conn, [(a.context_id, a.execution_id) for a in associations])
    return mlmd.PutAttributionsAndAssociationsResponse()


def _contexts_of(conn: Transaction, kind: NodeKind, node_id: int) -> list[Any]:
    found = contexts_of(conn, kind, node_id)
    if not found:
        # MLMD answers NOT_FOUND here (even for a node that exists); clients expect it.
        raise NotFoundError(f"no contexts found for {kind.label} {node_id}")
    return found


def get_contexts_by_artifact(conn: Transaction, request: Any) -> Any:
    """GetContextsByArtifact: the contexts an artifact is attributed to."""
    found = _contexts_of(conn, ARTIFACT, request.artifact_id)
    return mlmd.GetContextsByArtifactResponse(contexts=found)


def get_contexts_by_execution(conn: Transaction, request: Any) -> Any:
    """GetContextsByExecution: the contexts an execution is associated with."""
    found = _contexts_of(conn, EXECUTION, request.execution_id)
    return mlmd.GetContextsByExecutionResponse(contexts=found)


# ---------------------------------------------------------------- parent contexts


def put_parent_contexts(conn: Transaction, request: Any) -> Any:
    """PutParentContexts: adds child -> parent links."""
    add_parent_contexts(conn, list(request.parent_contexts))
    return mlmd.PutParentContextsResponse()


def get_parent_contexts_by_context(conn: Transaction, request: Any) -> Any:
    """GetParentContextsByContext: the parents of one context."""
    found = related_contexts(conn, [request.context_id], parents=True)
    return mlmd.GetParentContextsByContextResponse(contexts=found.get(request.context_id, []))


def get_children_contexts_by_context(conn: Transaction, request: Any) -> Any:
    """GetChildrenContextsByContext: the children of one context."""
    found = related_contexts(conn, [request.context_id], parents=False)
    return mlmd.GetChildrenContextsByContextResponse(contexts=found.get(request.context_id, []))


def get_parent_contexts_by_contexts(conn: Transaction, request: Any) -> Any:
    """GetParentContextsByContexts: parents of each context; those without are left out."""
    response = mlmd.GetParentContextsByContextsResponse()
    for child, parents in related_contexts(conn, request.context_ids, parents=True).items():
        response.contexts[child].parent_contexts.extend(parents)
    return response


def get_children_contexts_by_contexts(conn: Transaction, request: Any) -> Any:
    """GetChildrenContextsByContexts: children of each context; those without are left out."""
    response = mlmd.GetChildrenContextsByContextsResponse()
    for parent, children in related_contexts(conn, request.context_ids, parents=False).items():
        response.contexts[parent].children_contexts.extend(children)
    return response
