"""The handler table: every method mdstore serves, next to the function handling it.

A handler takes the request's transaction and the request message and returns the
response message (or an ``Encoded`` one). ``read_only`` handlers run in a read
transaction. Keys are ``"<service>/<method>"``; ``resolve`` also takes the bare
method name, which is unique across both services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mdstore.errors import UnimplementedError
from mdstore.service.mlmd import contexts, events, lineage, nodes, put_execution, types
from mdstore.service.v1 import audit, deletion, diff, paths, server_info, trace
from mdstore.service.v1.models import aliases, catalog, deployments, notes, register
from mdstore.store import Transaction
from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE

HandlerFunction = Callable[[Transaction, Any], Any]


@dataclass(frozen=True)
class Handler:
    """A method's handler and whether it only reads."""

    function: HandlerFunction
    read_only: bool
    audited: bool = False


def reads(function: HandlerFunction) -> Handler:
    """A handler that only reads."""
    return Handler(function, read_only=True)


def writes(function: HandlerFunction) -> Handler:
    """A handler that writes: each call appends an audit entry."""
    return Handler(function, read_only=False, audited=True)


def self_audited(function: HandlerFunction) -> Handler:
    """A handler that writes only audit entries, and appends them itself."""
    return Handler(function, read_only=False)


def snapshot_reads(function: HandlerFunction) -> Handler:
    """A handler that only reads, in a transaction it may make repeatable-read
    (read-only handlers on PostgreSQL run without one)."""
    return Handler(function, read_only=False)


# ml_metadata.MetadataStoreService: all 52 methods, in the order of the service.
MLMD_METHODS: dict[str, Handler] = {
    "PutArtifactType": writes(types.put_artifact_type),
    "PutExecutionType": writes(types.put_execution_type),
    "PutContextType": writes(types.put_context_type),
    "PutTypes": writes(types.put_types),
    "PutArtifacts": writes(nodes.put_artifacts),
    "PutExecutions": writes(nodes.put_executions),
    "PutEvents": writes(events.put_events_rpc),
    "PutExecution": writes(put_execution.put_execution),
    "PutLineageSubgraph": writes(put_execution.put_lineage_subgraph),
    "PutContexts": writes(nodes.put_contexts),
    "PutAttributionsAndAssociations": writes(contexts.put_attributions_and_associations),
    "PutParentContexts": writes(contexts.put_parent_contexts),
    "GetArtifactType": reads(types.get_artifact_type),
    "GetArtifactTypesByID": reads(types.get_artifact_types_by_id),
    "GetArtifactTypes": reads(types.get_artifact_types),
    "GetExecutionType": reads(types.get_execution_type),
    "GetExecutionTypesByID": reads(types.get_execution_types_by_id),
    "GetExecutionTypes": reads(types.get_execution_types),
    "GetContextType": reads(types.get_context_type),
    "GetContextTypesByID": reads(types.get_context_types_by_id),
    "GetContextTypes": reads(types.get_context_types),
    "GetArtifacts": reads(nodes.get_artifacts),
    "GetExecutions": reads(nodes.get_executions),
    "GetContexts": reads(nodes.get_contexts),
    "GetArtifactsByID": reads(nodes.get_artifacts_by_id),
    "GetExecutionsByID": reads(nodes.get_executions_by_id),
    "GetContextsByID": reads(nodes.get_contexts_by_id),
    "GetArtifactsByType": reads(nodes.get_artifacts_by_type),
    "GetExecutionsByType": reads(nodes.get_executions_by_type),
    "GetContextsByType": reads(nodes.get_contexts_by_type),
    "GetArtifactByTypeAndName": reads(nodes.get_artifact_by_type_and_name),
    "GetExecutionByTypeAndName": reads(nodes.get_execution_by_type_and_name),
    "GetContextByTypeAndName": reads(nodes.get_context_by_type_and_name),
    "GetArtifactsByURI": reads(nodes.get_artifacts_by_uri),
    "GetEventsByExecutionIDs": reads(events.get_events_by_execution_ids),
    "GetEventsByArtifactIDs": reads(events.get_events_by_artifact_ids),
    "GetArtifactsByExternalIds": reads(nodes.get_artifacts_by_external_ids),
    "GetExecutionsByExternalIds": reads(nodes.get_executions_by_external_ids),
    "GetContextsByExternalIds": reads(nodes.get_contexts_by_external_ids),
    "GetArtifactTypesByExternalIds": reads(types.get_artifact_types_by_external_ids),
    "GetExecutionTypesByExternalIds": reads(types.get_execution_types_by_external_ids),
    "GetContextTypesByExternalIds": reads(types.get_context_types_by_external_ids),
    "GetContextsByArtifact": reads(contexts.get_contexts_by_artifact),
    "GetContextsByExecution": reads(contexts.get_contexts_by_execution),
    "GetParentContextsByContext": reads(contexts.get_parent_contexts_by_context),
    "GetChildrenContextsByContext": reads(contexts.get_children_contexts_by_context),
    "GetParentContextsByContexts": reads(contexts.get_parent_contexts_by_contexts),
    "GetChildrenContextsByContexts": reads(contexts.get_children_contexts_by_contexts),
    "GetArtifactsByContext": reads(nodes.get_artifacts_by_context),
    "GetExecutionsByContext": reads(nodes.get_executions_by_context),
    "GetLineageGraph": reads(lineage.get_lineage_graph),
    "GetLineageSubgraph": reads(lineage.get_lineage_subgraph),
}

# mdstore.v1.MdstoreService: mdstore's own methods.
V1_METHODS: dict[str, Handler] = {
    "GetServerInfo": reads(server_info.get_server_info),
    "Trace": reads(trace.trace),
    "Impact": reads(trace.impact),
    "Path": reads(paths.path),
    "Diff": reads(diff.diff_lineage),
    "Delete": writes(deletion.delete),
    "GarbageCollect": writes(deletion.garbage_collect),
    "CreateRegisteredModel": writes(catalog.create_registered_model),
    "SetModelPolicy": writes(catalog.set_model_policy),
    "GetRegisteredModel": reads(catalog.get_registered_model),
    "ListRegisteredModels": reads(catalog.list_registered_models),
    "RegisterModelVersion": writes(register.register_model_version),
    "ListModelVersions": reads(register.list_model_versions),
    "SetAlias": writes(aliases.set_alias),
    "GetAliasHistory": reads(aliases.get_alias_history),
    "ResolveModel": reads(aliases.resolve_model),
    "Deploy": writes(deployments.deploy),
    "StopDeployment": writes(deployments.stop_deployment),
    "GetDeployments": reads(deployments.get_deployments),
    "Annotate": writes(notes.annotate),
    "GetAnnotations": reads(notes.get_annotations),
    "VerifyAuditLog": snapshot_reads(audit.verify_audit_log),
    "GetAuditEntries": reads(audit.get_audit_entries),
    "AdoptUnrecordedRows": self_audited(audit.adopt_unrecorded_rows),
}

HANDLERS: dict[str, Handler] = {
    **{f"{MLMD_SERVICE}/{name}": handler for name, handler in MLMD_METHODS.items()},
    **{f"{MDSTORE_SERVICE}/{name}": handler for name, handler in V1_METHODS.items()},
}
"""Every handler, by ``"<service>/<method>"``."""

_BY_METHOD: dict[str, Handler] = {**MLMD_METHODS, **V1_METHODS}
if len(_BY_METHOD) != len(MLMD_METHODS) + len(V1_METHODS):
    raise RuntimeError("a method name is served by both services; bare names would be ambiguous")


_FULL_NAMES: dict[str, str] = {
    **{name: f"{MLMD_SERVICE}/{name}" for name in MLMD_METHODS},
    **{name: f"{MDSTORE_SERVICE}/{name}" for name in V1_METHODS},
    **{full: full for full in HANDLERS},
}


def resolve(method: str) -> tuple[str, Handler]:
    """The full name (``"<service>/<method>"``) and handler of a full or bare method name.

    Raises:
        UnimplementedError: no such method is served.
    """
    name = _FULL_NAMES.get(method)
    if name is None:
        raise UnimplementedError(f"{method} is not implemented")
    return name, HANDLERS[name]
