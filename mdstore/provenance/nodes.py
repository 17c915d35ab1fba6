"""The nodes and edges of a lineage graph: node ids, directions, event links.

Plain values shared by the analyses and the service; ``graph`` builds on them.
"""

from __future__ import annotations

from typing import Any, Final, Literal, NamedTuple

from mdstore.errors import InvalidArgumentError
from mdstore.wire import v1

Kind = Literal["artifact", "execution"]
ARTIFACT: Final = "artifact"
EXECUTION: Final = "execution"

Direction = Literal["upstream", "downstream", "both"]
UPSTREAM: Final = "upstream"
"""Against the edges: what a node was made from."""
DOWNSTREAM: Final = "downstream"
"""Along the edges: what was made from a node."""
BOTH: Final = "both"
"""Either way at every hop, as the store's bidirectional walk goes."""

MIN_DEPTH: Final = 0
"""The smallest hop limit; ``None`` means no limit."""

EventPath = tuple[str | int, ...]
"""An event's path: its steps, a key (str) or an index (int) each."""

_ARTIFACT_REF: Final[int] = v1.NodeKind.values_by_name["ARTIFACT"].number
_EXECUTION_REF: Final[int] = v1.NodeKind.values_by_name["EXECUTION"].number
_KINDS_BY_NUMBER: Final[dict[int, Kind]] = {_ARTIFACT_REF: ARTIFACT, _EXECUTION_REF: EXECUTION}


class NodeId(NamedTuple):
    """A node of the lineage: ids are unique within a kind only."""

    kind: Kind
    id: int

    @classmethod
    def artifact(cls, artifact_id: int) -> NodeId:
        """The artifact ``artifact_id``."""
        return cls(ARTIFACT, artifact_id)

    @classmethod
    def execution(cls, execution_id: int) -> NodeId:
        """The execution ``execution_id``."""
        return cls(EXECUTION, execution_id)


def to_ref(node: NodeId) -> Any:
    """The ``mdstore.v1.NodeRef`` of a node."""
    return v1.NodeRef(kind=_ARTIFACT_REF if node.kind == ARTIFACT else _EXECUTION_REF, id=node.id)


def from_ref(ref: Any) -> NodeId:
    """The node a ``mdstore.v1.NodeRef`` names.

    Raises:
        InvalidArgumentError: the ref names a context or no kind at all.
    """
    kind = _KINDS_BY_NUMBER.get(ref.kind)
    if kind is None:
        known = v1.NodeKind.values_by_number.get(ref.kind)
        name = ref.kind if known is None else known.name
        raise InvalidArgumentError(f"a lineage node is an artifact or an execution, not {name}")
    return NodeId(kind, ref.id)


class EdgeEvent(NamedTuple):
    """One event on an edge: its type, path and position in the recorded order."""

    type: int
    path: EventPath
    order: int


class Link(NamedTuple):
    """A neighbour through one event: the node at the other end, and the event."""

    node: NodeId
    type: int
    path: EventPath
    order: int


def event_path(event: Any) -> EventPath:
    """The steps of an ``ml_metadata.Event``'s path, keys as str and indices as int."""
    if not event.HasField("path"):
        return ()
    return tuple(
        step.key if step.WhichOneof("value") == "key" else step.index for step in event.path.steps
    )


def check_depth(max_depth: int | None) -> None:
    """Validates a hop limit.

    Raises:
        InvalidArgumentError: ``max_depth`` is negative or not an int.
    """
    if max_depth is None:
        return
    if isinstance(max_depth, bool) or not isinstance(max_depth, int):
        raise InvalidArgumentError(f"a hop limit is an integer, got {max_depth!r}")
    if max_depth < MIN_DEPTH:
        raise InvalidArgumentError(f"a hop limit is at least {MIN_DEPTH}, got {max_depth}")
