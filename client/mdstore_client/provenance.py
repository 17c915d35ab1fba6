"""The provenance answers as pydantic models: trace, impact, path, diff, tombstones.

Built from the ``mdstore.v1`` responses (every page followed). ``to_json()`` gives
the CLI's JSON: ``artifacts``, ``executions``, ``contexts`` (each with ``id``,
``type``, ``name``, ``state``, ``properties``, ``custom_properties``), ``events``
(``artifact_id``, ``execution_id``, ``type``), ``tombstones``, and what the
question adds (``summary``, ``end_products``, ``chains``).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, TypeVar

from pydantic import BaseModel, PrivateAttr

from mdstore.wire import v1
from mdstore_client.convert import ARTIFACT, CONTEXT, EXECUTION, event_from_proto, node_from_proto
from mdstore_client.models import Artifact, Context, Event, Execution
from mdstore_client.upstream import Lineage
from mdstore_client.values import PropertyValue, from_value, from_value_map

SubgraphT = TypeVar("SubgraphT", bound="Subgraph")
_KIND_NAMES = {1: "artifact", 2: "execution", 3: "context"}
KIND_NUMBERS = {name: number for number, name in _KIND_NAMES.items()}


def time_from_millis(millis: int) -> datetime | None:
    """Milliseconds since the epoch as a UTC datetime; None for 0 (unset)."""
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc) if millis else None


class NodeRef(BaseModel):
    """An artifact or execution named by kind and id."""

    kind: str
    id: int


class Tombstone(BaseModel):
    """A deleted node: when, by whom, why, and when its payload was purged."""

    kind: str
    id: int
    deleted_at: datetime | None
    principal: str
    reason: str
    purged_at: datetime | None = None


class Source(BaseModel):
    """An artifact no execution in the answer produced: where the data came from."""

    artifact_id: int
    type: str
    name: str
    uri: str
    digest: str
    deleted: bool


class Step(BaseModel):
    """An execution of a trace, with its parameters and distance in hops."""

    execution_id: int
    type: str
    name: str
    state: str
    parameters: dict[str, PropertyValue]
    hops: int


class CodeReference(BaseModel):
    """A step's property naming code: a commit, an image, a pipeline version."""

    execution_id: int
    property: str
    value: str


class Summary(BaseModel):
    """What a trace is made from, at a glance."""

    sources: list[Source] = []
    steps: list[Step] = []
    code: list[CodeReference] = []


class Subgraph(BaseModel):
    """Nodes, events and tombstones of an answer.

    The nodes and events stay in the answer's protobuf until first read: a caller
    that looks at the summary, or at a few nodes, does not pay for converting
    hundreds of them (the conversion costs more than the call itself).
    """

    tombstones: list[Tombstone] = []
    _nodes: Any = PrivateAttr(default=None)  # the v1.LineageNodes

    @cached_property
    def artifacts(self) -> list[Artifact]:
        nodes = self._nodes.artifacts if self._nodes is not None else ()
        return [node_from_proto(ARTIFACT, a, a.type) for a in nodes]

    @cached_property
    def executions(self) -> list[Execution]:
        nodes = self._nodes.executions if self._nodes is not None else ()
        return [node_from_proto(EXECUTION, e, e.type) for e in nodes]

    @cached_property
    def contexts(self) -> list[Context]:
        nodes = self._nodes.contexts if self._nodes is not None else ()
        return [node_from_proto(CONTEXT, c, c.type) for c in nodes]

    @cached_property
    def events(self) -> list[Event]:
        found = self._nodes.events if self._nodes is not None else ()
        return [event_from_proto(e) for e in found]

    def deleted(self, kind: str, node_id: int) -> bool:
        """Whether the answer marks a node deleted."""
        return any(t.kind == kind and t.id == node_id for t in self.tombstones)

    def to_json(self) -> dict[str, Any]:
        """The answer as the CLI prints it (``--format json``).

        Contexts get a ``state`` too (MLMD's have none): DELETED when mdstore
        deleted them, else LIVE.
        """
        out: dict[str, Any] = {
            name: [item.model_dump(mode="json") for item in getattr(self, name)]
            for name in ("artifacts", "executions", "contexts", "events")
        }
        out.update(self.model_dump(mode="json"))
        for context in out["contexts"]:
            deleted = context["custom_properties"].get("mdstore.state") == "DELETED"
            context["state"] = "DELETED" if deleted else "LIVE"
        return out


class EndProduct(BaseModel):
    """An artifact nothing consumed, with the chain that leads to it."""

    artifact_id: int
    type: str
    name: str
    path: list[NodeRef]


class Trace(Subgraph):
    """Everything a node was made from, and a summary."""

    root: NodeRef
    summary: Summary = Summary()

    def lineage(self) -> Lineage:
        """The answer as an upstream ``Lineage`` (for its tree), from an artifact."""
        artifacts = {a.id: a for a in self.artifacts if a.id is not None}
        producers: dict[int, list[int]] = {}
        inputs: dict[int, list[int]] = {}
        for event in self.events:
            if event.type.is_output:
                producers.setdefault(event.artifact_id, []).append(event.execution_id)
            elif event.type.is_input:
                inputs.setdefault(event.execution_id, []).append(event.artifact_id)
        sources = {s.artifact_id for s in self.summary.sources}
        return Lineage(
            root=artifacts[self.root.id],
            artifacts=artifacts,
            executions={e.id: e for e in self.executions if e.id is not None},
            producers=producers,
            inputs=inputs,
            # Where the walk stopped (hop limit, stop filter): neither made nor a source.
            unexplored=[i for i in artifacts if i not in producers and i not in sources],
        )

    def render(self) -> str:
        """A readable tree, the traced node first, then sources and code."""
        if self.root.kind == "artifact":
            lines = [self.lineage().render()]
        else:
            lines = [f"execution #{self.root.id}: {len(self.artifacts)} artifacts upstream"]
        if self.summary.sources:
            lines += ["", "sources:"]
            for source in self.summary.sources:
                mark = "  [deleted]" if source.deleted else ""
                # In full: the tree above shortens digests, this is where one is checked.
                digest = f"  {source.digest}" if source.digest else ""
                lines.append(f"  {source.type} #{source.artifact_id}  {source.uri}{digest}{mark}")
        if self.summary.code:
            lines += ["", "code:"]
            lines += [
                f"  {c.property} = {c.value}  (execution #{c.execution_id})"
                for c in self.summary.code
            ]
        if self.tombstones:
            lines += ["", "deleted:"]
            lines += [f"  {t.kind} #{t.id}: {t.reason}" for t in self.tombstones]
        return "\n".join(lines)


class Impact(Subgraph):
    """Everything made from an artifact, and its end products."""

    root: NodeRef
    end_products: list[EndProduct] = []

    def render(self) -> str:
        """The end products, each with its chain from the starting artifact."""
        head = (
            f"artifact #{self.root.id}: {len(self.artifacts) - 1} artifacts and "
            f"{len(self.executions)} executions downstream"
        )
        lines = [head]
        if not self.end_products:
            lines.append("  (nothing was made from it)")
        for product in self.end_products:
            mark = "  [deleted]" if self.deleted("artifact", product.artifact_id) else ""
            lines.append(f"└── {product.type} #{product.artifact_id} {product.name}{mark}".rstrip())
            lines.append(f"      via {chain_text(product.path)}")
        return "\n".join(lines)


class LineagePath(Subgraph):
    """How two nodes are connected: chains of events, shortest first."""

    direction: str = ""
    chains: list[list[NodeRef]] = []

    def render(self) -> str:
        if not self.chains:
            return "not connected"
        lines = [f"connected {self.direction}: {len(self.chains)} chain(s)"]
        for number, chain in enumerate(self.chains, 1):
            hops = len(chain) - 1
            lines.append(
                f"{number}. ({hops} hops) " + " → ".join(f"{r.kind} #{r.id}" for r in chain)
            )
        return "\n".join(lines)


class Change(BaseModel):
    """One difference between two lineages, matched by role."""

    kind: str
    role: str
    type: str = ""
    change: str = "changed"
    name: str = ""
    old: Any = None
    new: Any = None


class LineageDiff(BaseModel):
    """What differs between two artifacts' upstream lineage."""

    sources: list[Change] = []
    steps: list[Change] = []
    parameters: list[Change] = []
    properties: list[Change] = []

    def is_empty(self) -> bool:
        return not (self.sources or self.steps or self.parameters or self.properties)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def render(self) -> str:
        """One line per change: ~ changed, + added, - removed; long values cut."""
        if self.is_empty():
            return "no differences"
        lines = []
        for change in [*self.sources, *self.steps, *self.parameters, *self.properties]:
            what = f"{change.kind} {change.type} {change.name}".replace("  ", " ").strip()
            where = f"  (at {_short_role(change.role)})"
            if change.change == "changed":
                old, new = contrast(change.old, change.new)
                lines.append(f"~ {what}: {old} → {new}{where}")
            else:
                sign = "+" if change.change == "added" else "-"
                lines.append(f"{sign} {what}{where}")
        return "\n".join(lines)


_LEAD = 12
"""Characters of a shared beginning kept before the first difference (``contrast``)."""


def contrast(old: Any, new: Any, width: int = 40) -> tuple[str, str]:
    """Two values as text of at most ``width`` characters each, cut so that where
    they differ shows: a long shared beginning (a directory, a dict's first keys)
    is elided, leaving ``_LEAD`` characters of it before the first difference."""
    texts = repr(old), repr(new)
    longest = max(map(len, texts))
    if longest <= width:
        return texts
    shared = len(os.path.commonprefix(texts))
    # No earlier than _LEAD before the difference, and no later than leaves the
    # longer text filling the width.
    start = max(0, min(shared - _LEAD, longest - (width - 1)))
    return _cut(texts[0], start, width), _cut(texts[1], start, width)


def _cut(text: str, start: int, width: int) -> str:
    head = "…" if start else ""
    body = text[start:]
    room = width - len(head)
    return head + (body if len(body) <= room else body[: room - 1] + "…")


def _short_role(role: str, parts: int = 3) -> str:
    """A role's last steps: where in the DAG, nearest the changed node."""
    steps = role.split("/")
    return role if len(steps) <= parts else "…/" + "/".join(steps[-parts:])


def chain_text(chain: list[NodeRef], ends: int = 4) -> str:
    """``artifact #1 → execution #2 → …``; a long chain shows its two ends."""
    names = [f"{r.kind} #{r.id}" for r in chain]
    if len(names) > 2 * ends + 1:
        names = [*names[:ends], f"… {len(names) - 2 * ends} more …", *names[-ends:]]
    return " → ".join(names)


# ------------------------------------------------------------------ conversion


def ref(message: Any) -> NodeRef:
    return NodeRef(kind=_KIND_NAMES.get(message.kind, "unknown"), id=message.id)


def tombstone(message: Any) -> Tombstone:
    return Tombstone(
        kind=_KIND_NAMES.get(message.kind, "unknown"),
        id=message.id,
        deleted_at=time_from_millis(message.deleted_at_millis),
        principal=message.principal,
        reason=message.reason,
        purged_at=time_from_millis(message.purged_at_millis),
    )


def _with_nodes(answer: SubgraphT, nodes: Any) -> SubgraphT:
    """Attaches a ``v1.LineageNodes``; its nodes are converted when first read."""
    answer._nodes = nodes
    return answer


def _tombstones(nodes: Any) -> list[Tombstone]:
    return [tombstone(t) for t in nodes.tombstones]


def trace_from_proto(response: Any, root: NodeRef) -> Trace:
    summary = response.summary
    trace = Trace(
        root=root,
        summary=Summary(
            sources=[
                Source(
                    artifact_id=s.artifact_id,
                    type=s.type,
                    name=s.name,
                    uri=s.uri,
                    digest=s.digest,
                    deleted=s.deleted,
                )
                for s in summary.sources
            ],
            steps=[
                Step(
                    execution_id=s.execution_id,
                    type=s.type,
                    name=s.name,
                    state=s.state,
                    parameters=from_value_map(s.parameters),
                    hops=s.hops,
                )
                for s in summary.steps
            ],
            code=[
                CodeReference(execution_id=c.execution_id, property=c.property, value=c.value)
                for c in summary.code
            ],
        ),
        tombstones=_tombstones(response.nodes),
    )
    return _with_nodes(trace, response.nodes)


def impact_from_proto(response: Any, root: NodeRef) -> Impact:
    products = [
        EndProduct(
            artifact_id=p.artifact_id, type=p.type, name=p.name, path=[ref(r) for r in p.path]
        )
        for p in response.end_products
    ]
    impact = Impact(root=root, end_products=products, tombstones=_tombstones(response.nodes))
    return _with_nodes(impact, response.nodes)


def path_from_proto(response: Any) -> LineagePath:
    path = LineagePath(
        direction=response.direction,
        chains=[[ref(r) for r in chain.nodes] for chain in response.chains],
        tombstones=_tombstones(response.nodes),
    )
    return _with_nodes(path, response.nodes)


def diff_from_proto(response: Any) -> LineageDiff:
    def values(kind: str, items: Any) -> list[Change]:
        return [
            Change(
                kind=kind,
                role=c.role,
                type=c.type,
                name=c.name,
                old=from_value(c.old_value) if c.HasField("old_value") else None,
                new=from_value(c.new_value) if c.HasField("new_value") else None,
                change=(
                    "added"
                    if not c.HasField("old_value")
                    else "removed"
                    if not c.HasField("new_value")
                    else "changed"
                ),
            )
            for c in items
        ]

    return LineageDiff(
        sources=[
            Change(
                kind="source",
                role=c.role,
                name=c.field,
                change=c.change or "changed",
                old=c.old_value,
                new=c.new_value,
            )
            for c in response.sources
        ],
        steps=[
            Change(kind="step", role=c.role, type=c.type, change=c.change) for c in response.steps
        ],
        parameters=values("parameter", response.parameters),
        properties=values("property", response.properties),
    )


def walk_options(
    max_hops: int | None, as_of: int | None, stop_at_artifacts: str, stop_at_executions: str
) -> Any:
    options = v1.WalkOptions(
        stop_at_artifacts=stop_at_artifacts, stop_at_executions=stop_at_executions
    )
    if max_hops is not None:
        options.max_hops = max_hops
    if as_of is not None:
        options.as_of_millis = as_of
    return options
