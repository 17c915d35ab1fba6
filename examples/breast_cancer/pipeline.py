"""The pipeline: the six steps wired together, each reporting through a client.

``client`` is an ``mdstore_client.Client``, or anything with the same four calls
(``artifact_type``, ``put_artifact``, ``run`` and, on a run, ``input``/``output``);
``mlmd_client_pipeline.py`` passes an adapter over the unchanged ml-metadata client.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from breast_cancer import steps
from breast_cancer.data import export_source, fingerprint, read_table, schema_of
from breast_cancer.runs import (
    MIN_ACCURACY,
    PIPELINE_NAME,
    SPLIT,
    RunConfig,
    build_estimator,
    describe,
    fingerprints,
)

ARTIFACT_TYPES: dict[str, dict[str, type]] = {
    "RawData": {"rows": int, "columns": int, "format": str},
    "Dataset": {
        "rows": int,
        "columns": int,
        "split": str,
        "schema": dict,
        "schema_fingerprint": str,
    },
    "ValidationReport": {"passed": bool, "checks": int, "dropped_rows": int},
    "Model": {
        "algorithm": str,
        "pipeline": str,
        "hyperparameters": dict,
        "n_features": int,
        "pipeline_fingerprint": str,
        "steps_fingerprint": str,
        "params_fingerprint": str,
        "schema_fingerprint": str,
    },
    "Metrics": {"accuracy": float, "auc": float, "f1": float, "test_rows": int},
    "PushedModel": {
        "accuracy": float,
        "auc": float,
        "pipeline_fingerprint": str,
        "schema_fingerprint": str,
    },
}


@dataclass
class PipelineRun:
    """What one run produced: artifacts by role, and the model's metrics."""

    config: RunConfig
    artifacts: dict[str, Any]
    metrics: dict[str, float]


def declare_types(client: Any) -> None:
    """Declares the artifact types (idempotent; step types are declared by ``run``)."""
    for name, properties in ARTIFACT_TYPES.items():
        client.artifact_type(name, properties=properties)


def register_source(client: Any, workdir: Path, version: int) -> tuple[Any, Path]:
    """Exports source version ``version`` and registers it as RawData (idempotent)."""
    path = export_source(workdir / "source", version)
    table = read_table(path)
    properties = {"rows": table.rows, "columns": len(table.columns) + 1, "format": "csv"}
    raw = client.put_artifact("RawData", uri=path.as_uri(), name=path.name, properties=properties)
    return raw, path


def _dataset(table: Any, split: str) -> dict[str, Any]:
    schema = schema_of(table)
    return {
        "rows": table.rows,
        "columns": len(table.columns) + 1,
        "split": split,
        "schema": schema,
        "schema_fingerprint": fingerprint(schema),
    }


def _report(checked: steps.Validation) -> dict[str, Any]:
    return {
        "passed": all(checked.report["checks"].values()),
        "checks": len(checked.report["checks"]),
        "dropped_rows": checked.report["dropped_rows"],
    }


def run_pipeline(client: Any, workdir: Path, config: RunConfig) -> PipelineRun:
    """Runs ingest -> validate -> split -> train -> evaluate -> push for one config."""
    raw, source = register_source(client, workdir, config.data_version)
    out = workdir / "runs" / config.name
    made: dict[str, Any] = {"raw": raw}

    def step(name: str, params: dict[str, Any] | None = None) -> Any:
        return client.run(name, pipeline=PIPELINE_NAME, run=config.name, params=params or {})

    with step("ingest", {"source_version": config.data_version}) as run:
        run.input(raw)
        path, table = steps.ingest(source, out / "ingest")
        made["ingested"] = run.output(
            "Dataset", uri=path.as_uri(), properties=_dataset(table, "all")
        )

    with step("validate", {"min_rows": 100}) as run:
        run.input(made["ingested"])
        checked = steps.validate(path, out / "validate", min_rows=100)
        made["validated"] = run.output(
            "Dataset", uri=checked.path.as_uri(), properties=_dataset(checked.table, "all")
        )
        made["report"] = run.output(
            "ValidationReport", uri=checked.report_path.as_uri(), properties=_report(checked)
        )

    with step("split", dict(SPLIT)) as run:
        run.input(made["validated"])
        run.input(made["report"])
        parts = steps.split(checked.path, out / "split", SPLIT["test_size"], SPLIT["seed"])
        for name, part in parts.items():
            uri = (out / "split" / f"{name}.csv").as_uri()
            made[name] = run.output("Dataset", uri=uri, properties=_dataset(part, name), key=name)

    metrics = _train_evaluate_push(step, config, workdir, made)
    return PipelineRun(config, made, metrics)


def _model_properties(config: RunConfig, train_set: Any) -> dict[str, Any]:
    estimator = build_estimator(config)
    return {
        "algorithm": type(estimator.steps[-1][1]).__name__,
        "pipeline": describe(estimator),
        "hyperparameters": dict(config.hyperparameters),
        "n_features": train_set.properties["columns"] - 1,
        "schema_fingerprint": train_set.properties["schema_fingerprint"],
        **fingerprints(estimator),
    }


def _train_evaluate_push(
    step: Any, config: RunConfig, workdir: Path, made: dict[str, Any]
) -> dict[str, float]:
    out = workdir / "runs" / config.name
    params = {**config.hyperparameters, "preprocessing": "+".join(config.preprocessing)}
    with step("train", params) as run:
        run.input(made["train"], key="train")
        model_path = steps.train(out / "split" / "train.csv", out / "train", config)
        made["model"] = run.output(
            "Model", uri=model_path.as_uri(), properties=_model_properties(config, made["train"])
        )

    with step("evaluate") as run:
        run.input(made["model"], key="model")
        run.input(made["test"], key="test")
        metrics_path, metrics = steps.evaluate(
            model_path, out / "split" / "test.csv", out / "evaluate"
        )
        made["metrics"] = run.output("Metrics", uri=metrics_path.as_uri(), properties=metrics)

    with step("push", {"min_accuracy": MIN_ACCURACY}) as run:
        run.input(made["model"], key="model")
        run.input(made["metrics"], key="metrics")
        serving = workdir / "serving" / config.name
        pushed = steps.push(model_path, metrics["accuracy"], MIN_ACCURACY, serving)
        if pushed is not None:
            model = made["model"].properties
            made["pushed"] = run.output(
                "PushedModel",
                uri=pushed.as_uri(),
                properties={
                    "accuracy": metrics["accuracy"],
                    "auc": metrics["auc"],
                    "pipeline_fingerprint": model["pipeline_fingerprint"],
                    "schema_fingerprint": model["schema_fingerprint"],
                },
            )
    return metrics
