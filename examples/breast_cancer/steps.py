"""The six steps: plain functions from files to files, with no metadata code.

Each returns what it produced, so the caller (``pipeline``) decides what to report.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import train_test_split

from breast_cancer.data import Table, read_table, write_table
from breast_cancer.runs import RunConfig, build_estimator


def ingest(source: Path, out_dir: Path) -> tuple[Path, Table]:
    """Parses the source CSV and writes it in canonical form."""
    table = read_table(source)
    path = out_dir / "ingested.csv"
    write_table(path, table)
    return path, table


@dataclass(frozen=True)
class Validation:
    path: Path
    table: Table
    report_path: Path
    report: dict[str, Any]


def validate(dataset: Path, out_dir: Path, min_rows: int) -> Validation:
    """Checks the data, drops rows with missing or infinite values, writes a report.

    Raises:
        ValueError: too few rows, a target outside {0, 1}, or a constant column.
    """
    table = read_table(dataset)
    finite = np.isfinite(table.features).all(axis=1)
    kept = Table(table.columns, table.features[finite], table.target[finite])
    checks = {
        "enough_rows": kept.rows >= min_rows,
        "binary_target": set(np.unique(kept.target)) <= {0, 1},
        "no_constant_column": bool((kept.features.std(axis=0) > 0).all()),
        "unique_columns": len(set(kept.columns)) == len(kept.columns),
    }
    report = {"checks": checks, "rows": kept.rows, "dropped_rows": int((~finite).sum())}
    report_path = out_dir / "report.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2, sort_keys=True))
    failed = [name for name, passed in checks.items() if not passed]
    if failed:
        raise ValueError(f"validation failed: {', '.join(failed)} (see {report_path})")
    path = out_dir / "validated.csv"
    write_table(path, kept)
    return Validation(path, kept, report_path, report)


def split(dataset: Path, out_dir: Path, test_size: float, seed: int) -> dict[str, Table]:
    """Stratified train/test split, written to ``train.csv`` and ``test.csv``."""
    table = read_table(dataset)
    x_train, x_test, y_train, y_test = train_test_split(
        table.features, table.target, test_size=test_size, random_state=seed, stratify=table.target
    )
    parts = {
        "train": Table(table.columns, x_train, y_train),
        "test": Table(table.columns, x_test, y_test),
    }
    for name, part in parts.items():
        write_table(out_dir / f"{name}.csv", part)
    return parts


def train(train_set: Path, out_dir: Path, config: RunConfig) -> Path:
    """Fits the run's scikit-learn pipeline and saves it with joblib."""
    table = read_table(train_set)
    estimator = build_estimator(config).fit(table.features, table.target)
    path = out_dir / "model.joblib"
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"estimator": estimator, "columns": table.columns}, path)
    return path


def evaluate(model: Path, test_set: Path, out_dir: Path) -> tuple[Path, dict[str, float]]:
    """Scores the model on the test set: accuracy, ROC AUC and F1, saved as JSON."""
    saved = joblib.load(model)
    table = read_table(test_set)
    if saved["columns"] != table.columns:
        raise ValueError("the test set's columns differ from the model's")
    estimator = saved["estimator"]
    predicted = estimator.predict(table.features)
    scores = estimator.predict_proba(table.features)[:, 1]
    metrics = {
        "accuracy": round(float(accuracy_score(table.target, predicted)), 6),
        "auc": round(float(roc_auc_score(table.target, scores)), 6),
        "f1": round(float(f1_score(table.target, predicted)), 6),
        "test_rows": table.rows,
    }
    path = out_dir / "metrics.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True))
    return path, metrics


def push(model: Path, accuracy: float, min_accuracy: float, destination: Path) -> Path | None:
    """Copies the model to the serving directory when it is good enough."""
    if accuracy < min_accuracy:
        return None
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / model.name
    shutil.copyfile(model, target)
    return target
