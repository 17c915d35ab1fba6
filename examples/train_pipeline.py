"""Trains the breast-cancer pipeline four times, reporting every step to mdstore.

    python examples/train_pipeline.py                       # embedded SQLite in the workdir
    python examples/train_pipeline.py --store 127.0.0.1:8080  # a running `mdstore serve`

The four runs (see ``breast_cancer/runs.py``): a baseline, a pipeline change, better
hyperparameters, and a schema change in the source data. Afterwards it prints each
run's model and metrics, read back from the store.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import mdstore_client
from breast_cancer.pipeline import PipelineRun, declare_types, run_pipeline
from breast_cancer.runs import PIPELINE_NAME, RUNS


def train_all(
    client: mdstore_client.Client, workdir: Path, names: Sequence[str] = ()
) -> list[PipelineRun]:
    """Runs the selected runs (all by default) in order; returns what each produced."""
    declare_types(client)
    selected = [config for config in RUNS if not names or config.name in names]
    return [run_pipeline(client, workdir, config) for config in selected]


def summary(client: mdstore_client.Client) -> str:
    """One line per run: its change, the model's fingerprints and its metrics (from the store)."""
    lines = [f"{'run':<12} {'change':<47} {'schema':<8} {'pipeline':<8} {'accuracy':>8} {'auc':>7}"]
    for config in RUNS:
        run_context = f"{PIPELINE_NAME}/{config.name}"
        try:
            context = client.context("pipeline_run", run_context)
        except mdstore_client.NotFoundError:
            continue
        model = next(client.artifacts("Model", context=context), None)
        metrics = next(client.artifacts("Metrics", context=context), None)
        if model is None or metrics is None:
            continue
        lines.append(
            f"{config.name:<12} {config.change:<47} "
            f"{str(model.properties['schema_fingerprint'])[:8]:<8} "
            f"{str(model.properties['pipeline_fingerprint'])[:8]:<8} "
            f"{metrics.properties['accuracy']:>8.4f} {metrics.properties['auc']:>7.4f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", type=Path, default=Path("pipeline-work"), help="where files go"
    )
    parser.add_argument("--store", help="host:port of mdstore serve, or a database URL "
                        "(default: sqlite:///WORKDIR/mdstore.db)")  # fmt: skip
    parser.add_argument("--run", action="append", default=[], choices=[c.name for c in RUNS],
                        help="run only these (repeatable; default: all four)")  # fmt: skip
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    store = args.store or f"sqlite:///{workdir / 'mdstore.db'}"
    with mdstore_client.connect(store) as client:
        for result in train_all(client, workdir, args.run):
            accuracy, auc = result.metrics["accuracy"], result.metrics["auc"]
            print(f"{result.config.name:<12} accuracy {accuracy:.4f}  auc {auc:.4f}")
        print()
        print(summary(client))
    return 0


if __name__ == "__main__":
    sys.exit(main())
