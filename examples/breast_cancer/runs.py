"""The four runs of the example, and fingerprints of a pipeline definition.

1. ``baseline``: standard scaling + logistic regression, strongly regularised (C=0.01).
2. ``pca-step``: same data, a PCA step added to the pipeline (a *pipeline change*).
3. ``tuned``: same pipeline, C=1.0 (*better hyperparameters*; accuracy and AUC rise).
4. ``new-feature``: the source gains the column ``worst_to_mean_area`` (a *schema
   change*), retrained with the tuned pipeline.

Three fingerprints tell the kinds of change apart, for the model versions built on
these runs later: ``steps_fingerprint`` (step names and classes), ``params_fingerprint``
(every step's parameters) and ``pipeline_fingerprint`` (both); the data's
``schema_fingerprint`` comes from ``data.schema_of``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from breast_cancer.data import fingerprint

PIPELINE_NAME = "breast-cancer"
SPLIT = {"test_size": 0.25, "seed": 7}
MIN_ACCURACY = 0.9

PREPROCESSING: dict[str, Callable[[], tuple[str, BaseEstimator]]] = {
    "scale": lambda: ("scale", StandardScaler()),
    "pca": lambda: ("pca", PCA(n_components=10, random_state=0)),
}


@dataclass(frozen=True)
class RunConfig:
    """One run: which source version, which preprocessing steps, which hyperparameters."""

    name: str
    change: str
    data_version: int
    preprocessing: tuple[str, ...]
    hyperparameters: dict[str, Any] = field(default_factory=dict)


RUNS = (
    RunConfig("baseline", "first model", 1, ("scale",), {"C": 0.01, "max_iter": 5000}),
    RunConfig("pca-step", "pipeline change: PCA step added", 1, ("scale", "pca"),
              {"C": 0.01, "max_iter": 5000}),
    RunConfig("tuned", "better hyperparameters: C 0.01 -> 1.0", 1, ("scale", "pca"),
              {"C": 1.0, "max_iter": 5000}),
    RunConfig("new-feature", "schema change: source adds worst_to_mean_area", 2,
              ("scale", "pca"), {"C": 1.0, "max_iter": 5000}),
)  # fmt: skip


def build_estimator(config: RunConfig) -> Pipeline:
    """The scikit-learn pipeline a run trains."""
    steps = [PREPROCESSING[name]() for name in config.preprocessing]
    model = LogisticRegression(random_state=0, **config.hyperparameters)
    return Pipeline([*steps, ("model", model)])


def definition(estimator: Pipeline) -> list[dict[str, Any]]:
    """Each step's name, class and parameters (defaults included)."""
    return [
        {
            "name": name,
            "class": type(step).__name__,
            "params": {k: v for k, v in sorted(step.get_params(deep=False).items())},
        }
        for name, step in estimator.steps
    ]


def fingerprints(estimator: Pipeline) -> dict[str, str]:
    """``steps_fingerprint``, ``params_fingerprint`` and ``pipeline_fingerprint``."""
    steps = definition(estimator)
    return {
        "steps_fingerprint": fingerprint([[s["name"], s["class"]] for s in steps]),
        "params_fingerprint": fingerprint([[s["name"], s["params"]] for s in steps]),
        "pipeline_fingerprint": fingerprint(steps),
    }


def describe(estimator: Pipeline) -> str:
    """E.g. ``scale:StandardScaler > pca:PCA > model:LogisticRegression``."""
    return " > ".join(f"{name}:{type(step).__name__}" for name, step in estimator.steps)
