"""Deployment patterns: what each needs, and which running deployments a new one ends.

* shadow: gets a copy of the traffic; no traffic share.
* canary: serves a share of the traffic (0 < share < 100) beside what already runs.
* blue-green: takes all traffic; the environment's other deployments of the model stop.

A version that already runs in the environment is replaced by its new deployment
(how a canary's share changes), whatever the pattern.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from mdstore.errors import InvalidArgumentError

SHADOW: Final = "shadow"
CANARY: Final = "canary"
BLUE_GREEN: Final = "blue-green"
PATTERNS: Final = (SHADOW, CANARY, BLUE_GREEN)
_ENVIRONMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")


@dataclass(frozen=True)
class Running:
    """A deployment that serves now: its id and the version it serves."""

    id: int
    version: str


def check_environment(environment: str) -> str:
    """An environment name: letters, digits, ``_ . -``, at most 63.

    Raises:
        InvalidArgumentError: it is not.
    """
    if _ENVIRONMENT.fullmatch(environment) is None:
        raise InvalidArgumentError(
            f"invalid environment {environment!r}: letters, digits, '_', '.' or '-' (at most 63)"
        )
    return environment


def check_traffic(pattern: str, traffic: float | None) -> float | None:
    """The traffic share a pattern takes.

    Raises:
        InvalidArgumentError: an unknown pattern, a canary without a share in
            (0, 100), or a share given to shadow or blue-green (which take none
            and all).
    """
    if pattern not in PATTERNS:
        raise InvalidArgumentError(
            f"unknown deployment pattern {pattern!r}: expected one of {', '.join(PATTERNS)}"
        )
    if pattern == CANARY:
        if traffic is None or not math.isfinite(traffic) or not 0 < traffic < 100:
            raise InvalidArgumentError("a canary needs a traffic share between 0 and 100 percent")
        return traffic
    if traffic is not None and not (pattern == BLUE_GREEN and traffic == 100):
        raise InvalidArgumentError(f"a {pattern} deployment takes no traffic share")
    return None


def ended_by(pattern: str, version: str, running: Sequence[Running]) -> list[int]:
    """The running deployments (of the model, in the environment) a new one stops."""
    if pattern == BLUE_GREEN:
        return [deployment.id for deployment in running]
    return [deployment.id for deployment in running if deployment.version == version]
