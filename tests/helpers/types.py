"""The small type system of the contract suite (tests/service): property kinds and
the types most tests use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mdstore.wire import mlmd

# ml_metadata.PropertyType values (the private pool exposes enums as descriptors).
INT, DOUBLE, STRING, STRUCT, PROTO, BOOLEAN = 1, 2, 3, 4, 5, 6


@dataclass(frozen=True)
class Types:
    """Ids of the types most tests use."""

    dataset: int  # ArtifactType "Dataset" with one property of every kind
    model: int  # ArtifactType "Model", no properties
    trainer: int  # ExecutionType "Trainer" with "epochs" INT
    pipeline: int  # ContextType "Pipeline"
    run: int  # ContextType "PipelineRun"


def dataset_type() -> Any:
    """The "Dataset" artifact type: one property of every value kind."""
    artifact_type = mlmd.ArtifactType(name="Dataset")
    for name, kind in (
        ("int_p", INT),
        ("double_p", DOUBLE),
        ("string_p", STRING),
        ("struct_p", STRUCT),
        ("proto_p", PROTO),
        ("bool_p", BOOLEAN),
    ):
        artifact_type.properties[name] = kind
    return artifact_type


def put_types(store: Any) -> Types:
    """Puts the ``Types`` through ``store`` (an ``mdstore.MetadataStore``)."""
    trainer = mlmd.ExecutionType(name="Trainer")
    trainer.properties["epochs"] = INT
    return Types(
        dataset=store.put_artifact_type(dataset_type()),
        model=store.put_artifact_type(mlmd.ArtifactType(name="Model")),
        trainer=store.put_execution_type(trainer),
        pipeline=store.put_context_type(mlmd.ContextType(name="Pipeline")),
        run=store.put_context_type(mlmd.ContextType(name="PipelineRun")),
    )
