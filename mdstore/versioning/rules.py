"""The decision table: which part of MAJOR.MINOR.PIPELINE a new model version raises.

In order, the first that holds decides:

1. MAJOR: the schema or the target of the training data differs from the
   previous version's (one side lacking it counts as a difference).
2. MINOR: the primary metric is better by more than the policy's threshold.
3. PIPELINE: anything else upstream differs (the lineage diff is not empty).
4. Nothing differs: no version (the caller may force a PIPELINE bump).

Every rule that holds gives a reason; the deciding one comes first, then the
other changes, then notes (a metric that did not improve). The rules read plain
facts; the service gathers them from the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from mdstore.versioning.policy import Policy
from mdstore.versioning.semver import INITIAL, MAJOR, MINOR, PIPELINE, Version

NOTE: Final = "note"
"""A reason's rule when it decides nothing (e.g. a metric that did not improve)."""
OVERRIDE: Final = "override"
_SHOWN: Final = 16  # characters of a long value shown in a reason


@dataclass(frozen=True)
class DataFact:
    """A property of the training data: its distinct values and where they were read."""

    values: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What the rules compare about one model artifact.

    Attributes:
        schema: the training data's schema.
        target: the training data's target.
        metric: the primary metric (None when the artifact has none).
    """

    schema: DataFact = field(default_factory=DataFact)
    target: DataFact = field(default_factory=DataFact)
    metric: float | None = None


@dataclass(frozen=True)
class Reason:
    """Why: the rule it belongs to (a bump, ``note`` or ``override``) and a sentence."""

    rule: str
    text: str


@dataclass(frozen=True)
class Decision:
    """What the rules computed.

    Attributes:
        bump: INITIAL, MAJOR, MINOR or PIPELINE; None when nothing differs.
        reasons: the deciding reason first.
    """

    bump: str | None
    reasons: tuple[Reason, ...]


def decide(
    policy: Policy,
    current: Evidence,
    previous: Evidence | None,
    changes: Sequence[str],
) -> Decision:
    """The bump for ``current`` after ``previous`` (None: the model's first version).

    Args:
        policy: the model's policy (metric, direction, threshold).
        current: the new artifact's facts.
        previous: the latest version's facts, read under the same policy.
        changes: the upstream lineage's differences, one sentence each.
    """
    if previous is None:
        first = Reason(INITIAL, "first version of the model")
        return Decision(INITIAL, (first, *_facts(policy, current)))
    major = [
        *_data_change("schema", previous.schema, current.schema),
        *_data_change("target", previous.target, current.target),
    ]
    minor, notes = _metric(policy, previous.metric, current.metric)
    pipeline = [Reason(PIPELINE, text) for text in changes]
    for bump, found in ((MAJOR, major), (MINOR, minor), (PIPELINE, pipeline)):
        if found:
            return Decision(bump, (*major, *minor, *pipeline, *notes))
    return Decision(None, tuple(notes))


def _facts(policy: Policy, current: Evidence) -> list[Reason]:
    facts = []
    if current.metric is not None:
        facts.append(Reason(NOTE, f"{policy.metric} {current.metric:.6g}"))
    if current.schema.values:
        facts.append(Reason(NOTE, f"trained on schema {_values(current.schema)}"))
    return facts


def _data_change(what: str, before: DataFact, after: DataFact) -> list[Reason]:
    if before.values == after.values:
        return []
    if not after.values:
        text = f"the training data no longer records a {what} (was {_values(before)})"
    elif not before.values:
        text = f"the training data now records a {what}: {_values(after)}"
    else:
        text = f"the {what} of the training data changed: {_values(before)} -> {_values(after)}"
    read = after.sources or before.sources
    return [Reason(MAJOR, f"{text} ({'; '.join(read)})")]


def _metric(
    policy: Policy, before: float | None, after: float | None
) -> tuple[list[Reason], list[Reason]]:
    """The MINOR reason when the metric improved enough, else a note saying why not."""
    name = policy.metric
    if before is None or after is None:
        missing = "the previous version" if before is None else "this model"
        return [], [Reason(NOTE, f"{missing} has no {name}: the metric did not decide")]
    gain = policy.improvement(before, after)
    change = f"{name} {before:.6g} -> {after:.6g} ({policy.direction()}"
    if policy.is_better(before, after):
        return [Reason(MINOR, f"{change}, better by {gain:.4g})")], []
    if gain > 0:
        threshold = f"{policy.min_improvement:.4g}"
        return [], [Reason(NOTE, f"{change}, better by {gain:.4g}: not more than {threshold})")]
    return [], [Reason(NOTE, f"{change}: not better)")]


def _values(fact: DataFact) -> str:
    return ", ".join(_short(value) for value in fact.values)


def _short(value: str) -> str:
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def forced(equal_to: Version) -> Reason:
    """The reason of a registration forced over an equal lineage."""
    return Reason(OVERRIDE, f"forced: nothing differs from version {equal_to}")
