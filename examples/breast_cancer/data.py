"""The source data and the CSV tables every step reads and writes.

``export_source`` plays the upstream data team: it drops the dataset as a CSV file
into ``source/``. Version 1 has scikit-learn's 30 features; version 2 adds one
column, ``worst_to_mean_area`` (worst area / mean area): a schema change.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import load_breast_cancer

TARGET = "target"  # 0 = malignant, 1 = benign
ADDED_IN_V2 = "worst_to_mean_area"


@dataclass(frozen=True)
class Table:
    """Feature columns, the feature matrix and the target vector of a CSV file."""

    columns: list[str]
    features: np.ndarray
    target: np.ndarray

    @property
    def rows(self) -> int:
        return int(self.features.shape[0])


def fingerprint(value: Any) -> str:
    """SHA-256 of a JSON-able value in canonical form (sorted keys, no spaces)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def schema_of(table: Table) -> dict[str, Any]:
    """The table's schema: its columns and their types, and the target column."""
    return {
        "columns": [{"name": name, "dtype": "float64"} for name in table.columns],
        "target": {"name": TARGET, "dtype": "int64", "classes": [0, 1]},
    }


def export_source(folder: Path, version: int) -> Path:
    """Writes version 1 or 2 of the source CSV into ``folder``; returns its path."""
    dataset = load_breast_cancer()
    columns = [name.replace(" ", "_") for name in dataset.feature_names]
    features = dataset.data
    if version >= 2:
        ratio = features[:, columns.index("worst_area")] / features[:, columns.index("mean_area")]
        features = np.column_stack([features, ratio])
        columns.append(ADDED_IN_V2)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"breast_cancer_v{version}.csv"
    write_table(path, Table(columns, features, dataset.target))
    return path


def write_table(path: Path, table: Table) -> None:
    """Writes features and target as CSV; floats in repr form, so they read back exactly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*table.columns, TARGET])
        for row, label in zip(table.features, table.target, strict=True):
            writer.writerow([*(repr(float(v)) for v in row), int(label)])


def read_table(path: Path) -> Table:
    """Reads a CSV written by ``write_table`` (or a source file).

    Raises:
        ValueError: no target column, or a value that is not a number.
    """
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if not header or header[-1] != TARGET:
            raise ValueError(f"{path.name}: the last column must be {TARGET!r}")
        rows = [[float(value) for value in row] for row in reader]
    matrix = np.array(rows, dtype=float).reshape(len(rows), len(header))
    return Table(header[:-1], matrix[:, :-1], matrix[:, -1].astype(int))
