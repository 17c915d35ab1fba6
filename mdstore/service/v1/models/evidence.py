"""The facts a version rests on, read from the store: the model's upstream lineage,
its training step, the training data's schema and target, and its metric."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mdstore.errors import FailedPreconditionError
from mdstore.provenance.diff import Subgraph
from mdstore.provenance.training import Fact, data_fact, training_data
from mdstore.service.v1.diff import upstream
from mdstore.store import Transaction
from mdstore.store.records.events import events_of
from mdstore.store.records.kinds import ARTIFACT
from mdstore.store.records.nodes import nodes_by_id
from mdstore.versioning.policy import Policy
from mdstore.versioning.rules import DataFact, Evidence
from mdstore.wire.event_types import INPUT_EVENTS, OUTPUT_EVENTS
from mdstore.wire.values import number


@dataclass(frozen=True)
class Gathered:
    """One model artifact's lineage and the facts the rules compare."""

    lineage: Subgraph
    evidence: Evidence


def gather(conn: Transaction, artifact_id: int, policy: Policy, *, need_metric: bool) -> Gathered:
    """Reads what the rules need about a model artifact.

    Raises:
        NotFoundError: no such artifact.
        FailedPreconditionError: no execution output it (no training lineage),
            its metric is not a number, or it has none and ``need_metric``.
    """
    lineage = upstream(conn, artifact_id, None)
    data = training_data(lineage)
    if data is None:
        raise FailedPreconditionError(
            f"artifact {artifact_id} has no training lineage: no execution recorded it as"
            " an output, so there is no training step or training data to compare"
        )
    metric = read_metric(conn, lineage.artifacts[artifact_id], policy.metric)
    if metric is None and need_metric:
        raise FailedPreconditionError(
            f"artifact {artifact_id} has no metric {policy.metric!r}: the policy compares it,"
            " and neither the artifact's properties nor an artifact output by an execution"
            " that took it as input (an evaluation) holds it"
        )
    evidence = Evidence(
        schema=_fact(data_fact(lineage, data, policy.schema_properties)),
        target=_fact(data_fact(lineage, data, policy.target_properties)),
        metric=metric,
    )
    return Gathered(lineage, evidence)


def _fact(fact: Fact) -> DataFact:
    return DataFact(fact.values, fact.sources)


def read_metric(conn: Transaction, model: Any, name: str) -> float | None:
    """The metric from the model's properties, else from its latest evaluation.

    An evaluation is an artifact output by an execution that read the model; of
    several, the most recently created that holds the metric wins.

    Raises:
        FailedPreconditionError: the metric is there but not an int or a double.
    """
    own = _metric_of(model, name)
    if own is not None:
        return own
    read = [
        e.execution_id for e in events_of(conn, "artifact_id", [model.id]) if e.type in INPUT_EVENTS
    ]
    outputs = {
        e.artifact_id
        for e in events_of(conn, "execution_id", read)
        if e.type in OUTPUT_EVENTS and e.artifact_id != model.id
    }
    evaluations = sorted(
        nodes_by_id(conn, ARTIFACT, outputs),
        key=lambda a: (a.create_time_since_epoch, a.id),
        reverse=True,
    )
    for artifact in evaluations:
        found = _metric_of(artifact, name)
        if found is not None:
            return found
    return None


def _metric_of(artifact: Any, name: str) -> float | None:
    for values in (artifact.properties, artifact.custom_properties):
        if name in values:
            found = number(values[name])
            if found is None:
                raise FailedPreconditionError(
                    f"metric {name!r} of artifact {artifact.id} is not a number"
                )
            return found
    return None
