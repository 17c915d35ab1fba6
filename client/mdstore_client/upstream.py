""" "What was this made from?": the upstream walk and its readable tree.

From an artifact, the walk goes to the execution(s) that output it, then to the
artifacts those executions read, and on, until it reaches source data (artifacts no
execution produced) or ``max_hops``. Each hop costs two batched calls, whatever the
graph's width: ``GetEventsByArtifactIDs`` for the whole frontier, then
``GetEventsByExecutionIDs`` for all its producers; the nodes themselves are fetched
at the end, one call per kind. (The server's own lineage RPCs will do this in SQL;
this walk only needs the MLMD event RPCs, so it works against any MLMD server.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from mdstore.errors import InvalidArgumentError
from mdstore.wire import mlmd
from mdstore_client.convert import ARTIFACT, EXECUTION, event_from_proto
from mdstore_client.models import Artifact, Execution
from mdstore_client.session import Session

_SHOWN_TEXT = 24  # longer strings (fingerprints, digests) are cut in the tree


class Lineage(BaseModel):
    """The upstream graph of one artifact.

    Attributes:
        root: the artifact the walk started from.
        artifacts: every artifact reached, by id (the root included).
        executions: every execution reached, by id.
        producers: artifact id -> ids of the executions that output it.
        inputs: execution id -> ids of the artifacts it read.
        unexplored: ids of artifacts whose producers were not looked up because
            ``max_hops`` was reached.
    """

    root: Artifact
    artifacts: dict[int, Artifact]
    executions: dict[int, Execution]
    producers: dict[int, list[int]]
    inputs: dict[int, list[int]]
    unexplored: list[int] = []
    _show: tuple[tuple[str, ...] | None, int] = (None, 4)

    def producer_of(self, artifact: Artifact | int) -> Execution | None:
        """The execution that output an artifact of this graph, if any."""
        ids = self.producers.get(_id(artifact), [])
        return self.executions[ids[0]] if ids else None

    def inputs_of(self, execution: Execution | int) -> list[Artifact]:
        """The artifacts an execution of this graph read."""
        return [self.artifacts[i] for i in self.inputs.get(_id(execution), [])]

    def sources(self) -> list[Artifact]:
        """Artifacts no execution produced: where the data came from."""
        return [
            a
            for i, a in self.artifacts.items()
            if not self.producers.get(i) and i not in self.unexplored
        ]

    def render(self, show: Sequence[str] | None = None, max_properties: int = 4) -> str:
        """The graph as an indented tree, the root first; repeated nodes are not expanded.

        Args:
            show: the property names to print, in this order, for every node that has
                them; by default up to ``max_properties`` scalar properties, by name.
            max_properties: the most properties printed per node.
        """
        self._show = (tuple(show) if show is not None else None, max_properties)
        lines: list[str] = []
        expanded: set[tuple[str, int]] = set()
        stack: list[tuple[str, int, str, str]] = [("artifact", _id(self.root), "", "")]
        while stack:
            kind, node_id, lead, indent = stack.pop()
            children = self._children(kind, node_id)
            label = self._label(kind, node_id)
            if (kind, node_id) in expanded and children:
                lines.append(f"{lead}{label}  (shown above)")
                continue
            expanded.add((kind, node_id))
            if kind == "artifact" and not children:
                label += "  …" if node_id in self.unexplored else "  [source]"
            lines.append(lead + label)
            child_kind = "execution" if kind == "artifact" else "artifact"
            for position in reversed(range(len(children))):
                last = position == len(children) - 1
                stack.append(
                    (
                        child_kind,
                        children[position],
                        indent + ("└── " if last else "├── "),
                        indent + ("    " if last else "│   "),
                    )
                )
        return "\n".join(lines)

    def _children(self, kind: str, node_id: int) -> list[int]:
        if kind == "artifact":
            return self.producers.get(node_id, [])
        return self.inputs.get(node_id, [])

    def _label(self, kind: str, node_id: int) -> str:
        if kind == "execution":
            execution = self.executions[node_id]
            head = f"{execution.type} (execution #{node_id}, {execution.state.value.lower()})"
            return _with_properties(head, execution.properties, *self._show) + _deleted(execution)
        artifact = self.artifacts[node_id]
        shown = artifact.name or _basename(artifact.uri) or "(no uri)"
        head = f"{artifact.type} #{node_id}  {shown}"
        head = _with_properties(head, artifact.properties, *self._show)
        head = f"{head}  sha256:{artifact.sha256[:12]}…" if artifact.sha256 else head
        return head + _deleted(artifact)


def _deleted(node: Artifact | Execution) -> str:
    """ " [deleted]" for a node mdstore deleted (its bookkeeping property says so)."""
    return "  [deleted]" if node.custom_properties.get("mdstore.state") == "DELETED" else ""


def _id(node: Artifact | Execution | int) -> int:
    node_id = node if isinstance(node, int) else node.id
    if node_id is None:
        raise ValueError(f"{node} is not stored, so it is not part of any lineage")
    return node_id


def _basename(uri: str | None) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1] if uri else ""


def _with_properties(
    head: str, properties: dict[str, Any], names: tuple[str, ...] | None, limit: int
) -> str:
    shown: list[str] = []
    for name in names if names is not None else sorted(properties):
        value = properties.get(name)
        if value is None or isinstance(value, dict) or len(shown) >= limit:
            continue
        if isinstance(value, float):
            text = f"{value:.4g}"
        else:
            text = str(value)
            if len(text) > _SHOWN_TEXT:
                text = text[: _SHOWN_TEXT - 4] + "…"
        shown.append(f"{name}={text}")
    return f"{head}  {' '.join(shown)}" if shown else head


def walk_upstream(client: Session, root_id: int, max_hops: int | None) -> Lineage:
    """Walks from an artifact to its sources; see the module docstring.

    Args:
        client: the client whose event and node RPCs the walk calls (anything that
            satisfies ``Session``).
        root_id: the id of the artifact to start from.
        max_hops: how many artifact -> execution -> artifact steps to follow;
            None follows them back to the sources.

    Returns:
        The graph reached, its root included.

    Raises:
        NotFoundError: the artifact does not exist.
        InvalidArgumentError: max_hops is negative.
    """
    if max_hops is not None and max_hops < 0:
        raise InvalidArgumentError("max_hops must be zero or more")
    root = client.artifact(root_id)
    producers: dict[int, list[int]] = {}
    inputs: dict[int, list[int]] = {}
    artifact_ids, execution_ids = _Reached([root_id]), _Reached()
    frontier, hops = [root_id], 0
    while frontier and (max_hops is None or hops < max_hops):
        request = mlmd.GetEventsByArtifactIDsRequest(artifact_ids=frontier)
        events = client.call("GetEventsByArtifactIDs", request).events
        new_executions = _link(events, outputs=True, edges=producers, reached=execution_ids)
        for execution_id in new_executions:
            inputs.setdefault(execution_id, [])
        frontier = []
        if new_executions:
            request = mlmd.GetEventsByExecutionIDsRequest(execution_ids=new_executions)
            events = client.call("GetEventsByExecutionIDs", request).events
            frontier = _link(events, outputs=False, edges=inputs, reached=artifact_ids)
        hops += 1
    artifacts = {a.id: a for a in client.by_ids(ARTIFACT, artifact_ids.order)}
    artifacts[root_id] = root
    executions = {x.id: x for x in client.by_ids(EXECUTION, execution_ids.order)}
    return Lineage(
        root=root,
        artifacts=artifacts,
        executions=executions,
        producers=producers,
        inputs=inputs,
        unexplored=frontier,
    )


class _Reached:
    """Node ids in the order the walk reached them."""

    def __init__(self, initial: list[int] | None = None) -> None:
        self.order: list[int] = list(initial or [])
        self._set = set(self.order)

    def add(self, node_id: int) -> bool:
        """Records a node; False when it was reached before."""
        if node_id in self._set:
            return False
        self._set.add(node_id)
        self.order.append(node_id)
        return True


def _link(
    events: Any, *, outputs: bool, edges: dict[int, list[int]], reached: _Reached
) -> list[int]:
    """Records one direction's events as edges; returns the newly reached node ids.

    Output events become artifact -> producing execution edges; input events become
    execution -> the artifact it read.
    """
    new: list[int] = []
    for event in (event_from_proto(e) for e in events):
        if outputs and event.type.is_output:
            source, target = event.artifact_id, event.execution_id
        elif not outputs and event.type.is_input:
            source, target = event.execution_id, event.artifact_id
        else:
            continue
        targets = edges.setdefault(source, [])
        if target not in targets:
            targets.append(target)
        if reached.add(target):
            new.append(target)
    return new
