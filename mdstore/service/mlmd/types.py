"""Handlers of the type methods: Put*Type(s) and Get*Type(s)*.

Upsert rules (MLMD's) are in store/records/types.py. Lookups by id skip unknown
ids; by external id, NOT_FOUND only when none matched; by name, NOT_FOUND.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mdstore.errors import NotFoundError, UnimplementedError
from mdstore.store import Transaction
from mdstore.store.records.kinds import ARTIFACT_TYPE, CONTEXT_TYPE, EXECUTION_TYPE, TypeKind
from mdstore.store.records.types import (
    all_types,
    find_type,
    put_type,
    types_by_external_id,
    types_by_id,
)
from mdstore.store.records.validation import check_external_ids
from mdstore.wire import mlmd

# ---------------------------------------------------------------- puts


def _put(conn: Transaction, request: Any, kind: TypeKind, types: Sequence[Any]) -> list[int]:
    if not request.all_fields_match:
        raise UnimplementedError("all_fields_match=false is not supported (as in MLMD)")
    add, omit = request.can_add_fields, request.can_omit_fields
    return [put_type(conn, kind, t, add, omit) for t in types]


def put_artifact_type(conn: Transaction, request: Any) -> Any:
    """PutArtifactType: creates or updates one artifact type."""
    [type_id] = _put(conn, request, ARTIFACT_TYPE, [request.artifact_type])
    return mlmd.PutArtifactTypeResponse(type_id=type_id)


def put_execution_type(conn: Transaction, request: Any) -> Any:
    """PutExecutionType: creates or updates one execution type."""
    [type_id] = _put(conn, request, EXECUTION_TYPE, [request.execution_type])
    return mlmd.PutExecutionTypeResponse(type_id=type_id)


def put_context_type(conn: Transaction, request: Any) -> Any:
    """PutContextType: creates or updates one context type."""
    [type_id] = _put(conn, request, CONTEXT_TYPE, [request.context_type])
    return mlmd.PutContextTypeResponse(type_id=type_id)


def put_types(conn: Transaction, request: Any) -> Any:
    """PutTypes: upserts every type in one transaction; ids in request order."""
    return mlmd.PutTypesResponse(
        artifact_type_ids=_put(conn, request, ARTIFACT_TYPE, request.artifact_types),
        execution_type_ids=_put(conn, request, EXECUTION_TYPE, request.execution_types),
        context_type_ids=_put(conn, request, CONTEXT_TYPE, request.context_types),
    )


# ---------------------------------------------------------------- by name


def _named(conn: Transaction, kind: TypeKind, request: Any) -> Any:
    found = find_type(conn, kind, request.type_name, request.type_version)
    if found is None:
        version = f" version {request.type_version!r}" if request.type_version else ""
        raise NotFoundError(f"no {kind.label} type named {request.type_name!r}{version}")
    return found


def get_artifact_type(conn: Transaction, request: Any) -> Any:
    """GetArtifactType: the artifact type with a name (and version)."""
    return mlmd.GetArtifactTypeResponse(artifact_type=_named(conn, ARTIFACT_TYPE, request))


def get_execution_type(conn: Transaction, request: Any) -> Any:
    """GetExecutionType: the execution type with a name (and version)."""
    return mlmd.GetExecutionTypeResponse(execution_type=_named(conn, EXECUTION_TYPE, request))


def get_context_type(conn: Transaction, request: Any) -> Any:
    """GetContextType: the context type with a name (and version)."""
    return mlmd.GetContextTypeResponse(context_type=_named(conn, CONTEXT_TYPE, request))


# ---------------------------------------------------------------- all


def get_artifact_types(conn: Transaction, request: Any) -> Any:
    """GetArtifactTypes: every artifact type."""
    return mlmd.GetArtifactTypesResponse(artifact_types=all_types(conn, ARTIFACT_TYPE))


def get_execution_types(conn: Transaction, request: Any) -> Any:
    """GetExecutionTypes: every execution type."""
    return mlmd.GetExecutionTypesResponse(execution_types=all_types(conn, EXECUTION_TYPE))


def get_context_types(conn: Transaction, request: Any) -> Any:
    """GetContextTypes: every context type."""
    return mlmd.GetContextTypesResponse(context_types=all_types(conn, CONTEXT_TYPE))


# ---------------------------------------------------------------- by id


def _by_id(conn: Transaction, kind: TypeKind, request: Any) -> list[Any]:
    return list(types_by_id(conn, kind, request.type_ids).values())


def get_artifact_types_by_id(conn: Transaction, request: Any) -> Any:
    """GetArtifactTypesByID: the artifact types with these ids, by id."""
    return mlmd.GetArtifactTypesByIDResponse(artifact_types=_by_id(conn, ARTIFACT_TYPE, request))


def get_execution_types_by_id(conn: Transaction, request: Any) -> Any:
    """GetExecutionTypesByID: the execution types with these ids, by id."""
    found = _by_id(conn, EXECUTION_TYPE, request)
    return mlmd.GetExecutionTypesByIDResponse(execution_types=found)


def get_context_types_by_id(conn: Transaction, request: Any) -> Any:
    """GetContextTypesByID: the context types with these ids, by id."""
    return mlmd.GetContextTypesByIDResponse(context_types=_by_id(conn, CONTEXT_TYPE, request))


# ---------------------------------------------------------------- by external id


def _by_external_id(conn: Transaction, kind: TypeKind, request: Any) -> list[Any]:
    externals = check_external_ids(request.external_ids)
    found = types_by_external_id(conn, kind, externals)
    if externals and not found:
        # MLMD answers NOT_FOUND only when none of the external ids matched.
        raise NotFoundError(f"no {kind.label} types found for the given external_ids")
    return found


def get_artifact_types_by_external_ids(conn: Transaction, request: Any) -> Any:
    """GetArtifactTypesByExternalIds: the artifact types with these external ids."""
    found = _by_external_id(conn, ARTIFACT_TYPE, request)
    return mlmd.GetArtifactTypesByExternalIdsResponse(artifact_types=found)


def get_execution_types_by_external_ids(conn: Transaction, request: Any) -> Any:
    """GetExecutionTypesByExternalIds: the execution types with these external ids."""
    found = _by_external_id(conn, EXECUTION_TYPE, request)
    return mlmd.GetExecutionTypesByExternalIdsResponse(execution_types=found)


def get_context_types_by_external_ids(conn: Transaction, request: Any) -> Any:
    """GetContextTypesByExternalIds: the context types with these external ids."""
    found = _by_external_id(conn, CONTEXT_TYPE, request)
    return mlmd.GetContextTypesByExternalIdsResponse(context_types=found)
