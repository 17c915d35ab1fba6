"""Diff of two models' lineage, matched by role: a run against itself or an identical
rerun is empty, and one changed parameter, source or step is exactly that change."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from mdstore.embedded.store import MetadataStore
from mdstore.wire import mlmd
from tests.helpers.types import STRING

RUNS = itertools.count()


def run_pipeline(
    store: MetadataStore,
    *,
    lr: str = "0.1",
    source_uri: str = "s3://raw/v1",
    sha: str = "aa11",
    augment: bool = False,
    schema: str = "s1",
    duration: float = 1.5,
) -> int:
    """source -> ingest -> data [-> augment -> data] -> train -> model; the model's id.

    Every run has new names and intermediate uris, as real reruns do.
    """
    tag = next(RUNS)
    data_type = mlmd.ArtifactType(name="DiffData")
    data_type.properties["schema"] = STRING
    step_type = mlmd.ExecutionType(name="DiffStep")
    step_type.properties["lr"] = STRING
    data = store.put_artifact_type(data_type)
    model = store.put_artifact_type(mlmd.ArtifactType(name="DiffModel"))
    step = store.put_execution_type(step_type)
    source = mlmd.Artifact(type_id=data, uri=source_uri, name=f"source-{tag}")
    source.custom_properties["sha256"].string_value = sha
    [source.id] = store.put_artifacts([source])

    def execute(name: str, reads: Any, output: Any, seconds: float = 0.5, **params: str) -> Any:
        execution = mlmd.Execution(type_id=step, name=f"{name}-{tag}")
        for key, value in params.items():
            execution.properties[key].string_value = value
        # What mdstore_client records about every run: differs every time.
        execution.custom_properties["duration_seconds"].double_value = seconds
        pairs = [(reads, mlmd.Event(type=3)), (output, mlmd.Event(type=4))]
        _, ids, _ = store.put_execution(execution, pairs, [])
        output.id = list(ids)[1]
        return output

    def dataset(stage: str) -> Any:
        made = mlmd.Artifact(type_id=data, uri=f"s3://runs/{tag}/{stage}")
        made.properties["schema"].string_value = schema
        return made

    current = execute("ingest", source, dataset("ingested"))
    if augment:
        current = execute("augment", current, dataset("augmented"))
    trained = execute(
        "train", current, mlmd.Artifact(type_id=model, uri=f"s3://m/{tag}"), lr=lr, seconds=duration
    )
    return int(trained.id)


def changes(diff: Any) -> dict[str, int]:
    return {
        "sources": len(diff.sources),
        "steps": len(diff.steps),
        "parameters": len(diff.parameters),
        "properties": len(diff.properties),
    }


NONE = {"sources": 0, "steps": 0, "parameters": 0, "properties": 0}


def test_a_model_against_itself_and_an_identical_rerun_is_empty(store: MetadataStore) -> None:
    first, rerun = run_pipeline(store), run_pipeline(store)
    assert changes(store.lineage_diff(first, first)) == NONE
    assert changes(store.lineage_diff(first, rerun)) == NONE


def test_a_runs_own_duration_is_not_a_change(store: MetadataStore) -> None:
    diff = store.lineage_diff(run_pipeline(store), run_pipeline(store, duration=9.25))
    assert changes(diff) == NONE


def test_one_changed_parameter(store: MetadataStore) -> None:
    diff = store.lineage_diff(run_pipeline(store), run_pipeline(store, lr="0.3"))
    assert changes(diff) == {**NONE, "parameters": 1}
    [change] = diff.parameters
    assert (change.name, change.type) == ("lr", "DiffStep")
    assert (change.old_value.string_value, change.new_value.string_value) == ("0.1", "0.3")


@pytest.mark.parametrize(
    ("field", "options", "old", "new"),
    [
        ("uri", {"source_uri": "s3://raw/v2"}, "s3://raw/v1", "s3://raw/v2"),
        ("digest", {"sha": "bb22"}, "aa11", "bb22"),
    ],
)
def test_one_changed_source(
    store: MetadataStore, field: str, options: dict[str, str], old: str, new: str
) -> None:
    diff = store.lineage_diff(run_pipeline(store), run_pipeline(store, **options))
    assert changes(diff) == {**NONE, "sources": 1}
    [change] = diff.sources
    assert (change.field, change.old_value, change.new_value, change.change) == (
        field,
        old,
        new,
        "changed",
    )


def test_one_added_step(store: MetadataStore) -> None:
    diff = store.lineage_diff(run_pipeline(store), run_pipeline(store, augment=True))
    added = [s for s in diff.steps if s.change == "added"]
    assert len(added) == 1
    assert added[0].type == "DiffStep"
    assert diff.parameters == [] or all(p.name != "lr" for p in diff.parameters)


def test_an_intermediate_property_change(store: MetadataStore) -> None:
    diff = store.lineage_diff(run_pipeline(store), run_pipeline(store, schema="s2"))
    assert changes(diff) == {**NONE, "properties": 1}
    [change] = diff.properties
    assert (change.name, change.old_value.string_value, change.new_value.string_value) == (
        "schema",
        "s1",
        "s2",
    )
