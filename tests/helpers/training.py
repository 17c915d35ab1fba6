"""Training runs written through the embedded API, for the model registry's tests.

``train(store, ...)``: source -> ingest -> dataset -> split -> train split ->
train -> model [-> evaluate -> metrics]. Every run has new names, uris of
intermediate artifacts and run times, as real reruns do; what the keyword
arguments change is what a test varies.
"""

from __future__ import annotations

import itertools
from typing import Any

from mdstore.embedded.store import MetadataStore
from mdstore.wire import mlmd
from tests.helpers.types import DOUBLE, STRING

_RUNS = itertools.count()
INPUT, OUTPUT = 3, 4


def _types(store: MetadataStore) -> dict[str, int]:
    data = mlmd.ArtifactType(name="RegData")
    for name in ("schema_fingerprint", "target"):
        data.properties[name] = STRING
    step = mlmd.ExecutionType(name="RegStep")
    step.properties["lr"] = STRING
    model = mlmd.ArtifactType(name="RegModel")
    model.properties["accuracy"] = DOUBLE
    metrics = mlmd.ArtifactType(name="RegMetrics")
    metrics.properties["accuracy"] = DOUBLE
    return {
        "data": store.put_artifact_type(data),
        "step": store.put_execution_type(step),
        "model": store.put_artifact_type(model),
        "metrics": store.put_artifact_type(metrics),
    }


def train(
    store: MetadataStore,
    *,
    schema: str = "s1",
    target: str = "label",
    accuracy: float | None = 0.90,
    lr: str = "0.1",
    sha: str = "aa11",
    extra_step: bool = False,
    evaluated: bool = False,
    schema_on_split: bool = False,
) -> int:
    """Writes one run; returns the model artifact's id.

    Args:
        schema, target: the ingested dataset's schema fingerprint and target (the
            training split carries neither unless ``schema_on_split``, so the rules
            read the nearest upstream dataset).
        accuracy: the metric (None: none anywhere).
        lr: the train step's parameter.
        sha: the source's content digest.
        extra_step: an ``augment`` step between ingest and split.
        evaluated: the metric on an evaluation's output instead of the model.
    """
    tag = next(_RUNS)
    types = _types(store)
    source = mlmd.Artifact(type_id=types["data"], uri="s3://raw/source.csv", name=f"src-{tag}")
    source.custom_properties["sha256"].string_value = sha
    [source.id] = store.put_artifacts([source])

    def execute(name: str, reads: Any, output: Any, **params: str) -> Any:
        execution = mlmd.Execution(type_id=types["step"], name=f"{name}-{tag}")
        for key, value in params.items():
            execution.properties[key].string_value = value
        _, ids, _ = store.put_execution(
            execution, [(reads, mlmd.Event(type=INPUT)), (output, mlmd.Event(type=OUTPUT))], []
        )
        output.id = list(ids)[1]
        return output

    ingested = mlmd.Artifact(type_id=types["data"], uri=f"s3://runs/{tag}/all")
    ingested.properties["schema_fingerprint"].string_value = schema
    ingested.properties["target"].string_value = target
    current = execute("ingest", source, ingested)
    if extra_step:
        current = execute("augment", current, mlmd.Artifact(type_id=types["data"]))
    split = mlmd.Artifact(type_id=types["data"], uri=f"s3://runs/{tag}/train")
    if schema_on_split:
        split.properties["schema_fingerprint"].string_value = schema
    current = execute("split", current, split)
    model = mlmd.Artifact(type_id=types["model"], uri=f"s3://models/{tag}")
    if accuracy is not None and not evaluated:
        model.properties["accuracy"].double_value = accuracy
    model = execute("train", current, model, lr=lr)
    if accuracy is not None and evaluated:
        metrics = mlmd.Artifact(type_id=types["metrics"], uri=f"s3://runs/{tag}/metrics")
        metrics.properties["accuracy"].double_value = accuracy
        execute("evaluate", model, metrics)
    return int(model.id)
