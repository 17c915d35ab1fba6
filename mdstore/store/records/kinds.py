"""What differs between the kinds of types and of nodes: tables, messages, fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from mdstore.store.db import schema
from mdstore.wire import mlmd


@dataclass(frozen=True)
class TypeKind:
    """What differs between artifact, execution and context types."""

    label: str  # "artifact", "execution", "context"
    kind: int  # value of type.kind
    message: Any  # mlmd.ArtifactType, ...
    has_struct_types: bool  # input_type/output_type (execution types only)


ARTIFACT_TYPE = TypeKind("artifact", schema.ARTIFACT_TYPE, mlmd.ArtifactType, False)
EXECUTION_TYPE = TypeKind("execution", schema.EXECUTION_TYPE, mlmd.ExecutionType, True)
CONTEXT_TYPE = TypeKind("context", schema.CONTEXT_TYPE, mlmd.ContextType, False)
TYPE_KINDS = {k.kind: k for k in (ARTIFACT_TYPE, EXECUTION_TYPE, CONTEXT_TYPE)}


@dataclass(frozen=True)
class NodeKind:
    """The tables, message and kind-specific fields of one node kind."""

    label: str  # "artifact"
    plural: str  # "artifacts", as in response fields
    code: int  # mdstore.v1.NodeKind number, as history and tombstone rows store it
    table: Table
    properties: Table
    type_kind: TypeKind
    message: Any
    fields: tuple[str, ...]  # columns only this kind has, same names as the message fields

    @property
    def property_fk(self) -> Any:
        """The property table's column holding the node id."""
        return self.properties.c[f"{self.label}_id"]


ARTIFACT = NodeKind(
    "artifact",
    "artifacts",
    schema.ARTIFACT_KIND,
    schema.artifact_table,
    schema.artifact_property_table,
    ARTIFACT_TYPE,
    mlmd.Artifact,
    ("uri", "state"),
)
EXECUTION = NodeKind(
    "execution",
    "executions",
    schema.EXECUTION_KIND,
    schema.execution_table,
    schema.execution_property_table,
    EXECUTION_TYPE,
    mlmd.Execution,
    ("last_known_state",),
)
CONTEXT = NodeKind(
    "context",
    "contexts",
    schema.CONTEXT_KIND,
    schema.context_table,
    schema.context_property_table,
    CONTEXT_TYPE,
    mlmd.Context,
    (),
)
NODE_KINDS = (ARTIFACT, EXECUTION, CONTEXT)
KIND_BY_CODE = {k.code: k for k in NODE_KINDS}

# The table linking each kind of member to its contexts.
MEMBER_LINKS = {"artifact": schema.attribution_table, "execution": schema.association_table}
