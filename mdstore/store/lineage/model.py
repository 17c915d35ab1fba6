"""What a lineage walk takes and gives: directions, limits, the nodes reached.

A hop goes from an artifact to an execution, or from an execution to an artifact,
through an event. UPSTREAM follows what a node was made from (an artifact to the
execution that output it, an execution to the artifacts it read), DOWNSTREAM the
reverse, BIDIRECTIONAL both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from mdstore.wire.event_types import INPUT_EVENTS, OUTPUT_EVENTS

UPSTREAM, DOWNSTREAM, BIDIRECTIONAL = 1, 2, 3

# Given new node ids, returns the ones the walk may not include or pass.
Filter = Callable[[set[int]], set[int]]


@dataclass
class Walk:
    """Artifacts and executions reached, each with its hop distance.

    The distance is None when a walk without a hop limit ran as one statement
    (which needs no hop column); nothing but the walk itself reads distances.
    """

    artifacts: dict[int, int | None] = field(default_factory=dict)
    executions: dict[int, int | None] = field(default_factory=dict)

    def size(self) -> int:
        """Artifacts plus executions reached."""
        return len(self.artifacts) + len(self.executions)


@dataclass(frozen=True)
class Limits:
    """Where a walk stops.

    ``stop_*`` nodes are reached but not walked past (kept when ``keep_stops``);
    ``exclude_*`` nodes are dropped and not walked past; ``max_nodes`` caps the
    number of artifacts plus executions (None: no cap); ``as_of`` walks only the
    events recorded by then (milliseconds; None: all).
    """

    max_hops: int | None = None
    direction: int = BIDIRECTIONAL
    stop_artifacts: Filter | None = None
    stop_executions: Filter | None = None
    keep_stops: bool = False
    exclude_artifacts: Filter | None = None
    exclude_executions: Filter | None = None
    max_nodes: int | None = None
    as_of: int | None = None

    def plain(self) -> bool:
        """Whether only the hop limit and a known direction apply (no filter, no
        cap, no time)."""
        return self.timed_plain() and self.as_of is None

    def timed_plain(self) -> bool:
        """Whether only the hop limit, a known direction and ``as_of`` apply."""
        return (
            self.direction in (UPSTREAM, DOWNSTREAM, BIDIRECTIONAL)
            and self.stop_artifacts is None
            and self.stop_executions is None
            and self.exclude_artifacts is None
            and self.exclude_executions is None
            and self.max_nodes is None
        )


@functools.lru_cache(maxsize=8)
def edge_types(direction: int) -> tuple[frozenset[int], frozenset[int]]:
    """The event types that lead from an artifact to an execution, and back."""
    up, down = direction in (UPSTREAM, BIDIRECTIONAL), direction in (DOWNSTREAM, BIDIRECTIONAL)
    to_execution = (OUTPUT_EVENTS if up else frozenset()) | (INPUT_EVENTS if down else frozenset())
    to_artifact = (INPUT_EVENTS if up else frozenset()) | (OUTPUT_EVENTS if down else frozenset())
    return to_execution, to_artifact
