"""A registered model's policy: which metric decides MINOR, where schemas and targets live."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

from mdstore.errors import InvalidArgumentError
from mdstore.wire import v1

DEFAULT_SCHEMA_PROPERTIES: Final = ("schema_fingerprint", "schema")
DEFAULT_TARGET_PROPERTIES: Final = ("target", "label")
_NAME_LENGTH: Final = 255


@dataclass(frozen=True)
class Policy:
    """How versions of one model are decided.

    Attributes:
        metric: the primary metric's property name.
        lower_is_better: a loss rather than a score.
        min_improvement: the least improvement that counts (0: strictly better).
        schema_properties: property names holding a dataset's schema, first found wins.
        target_properties: property names holding a dataset's target, first found wins.
    """

    metric: str
    lower_is_better: bool = False
    min_improvement: float = 0.0
    schema_properties: tuple[str, ...] = field(default=DEFAULT_SCHEMA_PROPERTIES)
    target_properties: tuple[str, ...] = field(default=DEFAULT_TARGET_PROPERTIES)

    def improvement(self, previous: float, current: float) -> float:
        """How much better ``current`` is than ``previous`` (negative: worse)."""
        return previous - current if self.lower_is_better else current - previous

    def is_better(self, previous: float, current: float) -> bool:
        """Whether ``current`` improves on ``previous`` by more than the threshold."""
        return self.improvement(previous, current) > self.min_improvement

    def direction(self) -> str:
        """``"lower is better"`` or ``"higher is better"``."""
        return "lower is better" if self.lower_is_better else "higher is better"

    def to_proto(self) -> Any:
        """The ``mdstore.v1.ModelPolicy``."""
        return v1.ModelPolicy(
            metric=self.metric,
            lower_is_better=self.lower_is_better,
            min_improvement=self.min_improvement,
            schema_properties=list(self.schema_properties),
            target_properties=list(self.target_properties),
        )


def policy_from_proto(message: Any) -> Policy:
    """A checked Policy from a ``mdstore.v1.ModelPolicy``; empty lists take the defaults.

    Raises:
        InvalidArgumentError: no metric, a negative or non-finite threshold, or a
            property name that is empty or too long.
    """
    metric = message.metric.strip()
    if not metric:
        raise InvalidArgumentError("a model's policy needs a metric (e.g. accuracy)")
    threshold = float(message.min_improvement)
    if not math.isfinite(threshold) or threshold < 0:
        raise InvalidArgumentError(
            f"min_improvement must be a finite number >= 0, got {message.min_improvement}"
        )
    schema = _names(message.schema_properties, DEFAULT_SCHEMA_PROPERTIES, "schema")
    target = _names(message.target_properties, DEFAULT_TARGET_PROPERTIES, "target")
    for name in (metric, *schema, *target):
        if len(name) > _NAME_LENGTH:
            raise InvalidArgumentError(f"property name longer than {_NAME_LENGTH}: {name[:40]}...")
    return Policy(metric, bool(message.lower_is_better), threshold, schema, target)


def _names(given: Any, default: tuple[str, ...], what: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in given)
    if any(not name for name in names):
        raise InvalidArgumentError(f"an empty {what} property name")
    return names or default
