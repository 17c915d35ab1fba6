"""Fixtures of the store contract suite: a small type system and row counting.

Every test runs on each backend (``db_url`` in tests/conftest.py). Expected
behaviour follows ml-metadata 1.17.1, checked against its in-process fake
database, except for the documented divergences in docs/compatibility.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from mdstore.store.db import schema
from mdstore.wire import mlmd

# ml_metadata.PropertyType values (the private pool exposes enums as descriptors).
INT, DOUBLE, STRING, STRUCT, PROTO, BOOLEAN = 1, 2, 3, 4, 5, 6

ALL_TABLES = [table.name for table in schema.metadata.sorted_tables]


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


@pytest.fixture
def types(store: Any) -> Types:
    trainer = mlmd.ExecutionType(name="Trainer")
    trainer.properties["epochs"] = INT
    return Types(
        dataset=store.put_artifact_type(dataset_type()),
        model=store.put_artifact_type(mlmd.ArtifactType(name="Model")),
        trainer=store.put_execution_type(trainer),
        pipeline=store.put_context_type(mlmd.ContextType(name="Pipeline")),
        run=store.put_context_type(mlmd.ContextType(name="PipelineRun")),
    )


@pytest.fixture
def count_rows(backend: Any) -> Callable[[str], int]:
    """``count_rows(table_name)``: rows in one table, read straight from the database."""

    def count(table_name: str) -> int:
        table = schema.metadata.tables[table_name]
        with backend.database.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    return count


@pytest.fixture
def table_counts(count_rows: Callable[[str], int]) -> Callable[[], dict[str, int]]:
    """``table_counts()``: rows per table, for "nothing was stored" assertions."""
    return lambda: {name: count_rows(name) for name in ALL_TABLES}
