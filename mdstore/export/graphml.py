"""GraphML through networkx: opens in yEd, Gephi and Cytoscape.

Node and edge attributes are flattened to scalars (GraphML has no maps): a
property becomes ``property.<name>`` holding its text.
"""

from __future__ import annotations

from typing import Any

import networkx as nx  # type: ignore[import-untyped,unused-ignore]

from mdstore.export.lineage import Lineage, properties, version
from mdstore.wire import mlmd
from mdstore.wire.values import digest


def render(lineage: Lineage) -> bytes:
    """The lineage as a GraphML document (UTF-8)."""
    graph: Any = nx.DiGraph(root=f"{lineage.root[0]}:{lineage.root[1]}")
    for artifact in lineage.artifacts.values():
        node = ("artifact", artifact.id)
        graph.add_node(
            _key(node),
            **_common(lineage, node, artifact),
            uri=artifact.uri,
            state=mlmd.Artifact.State.Name(artifact.state),
            digest=digest(artifact),
            version=version(artifact),
        )
    for execution in lineage.executions.values():
        node = ("execution", execution.id)
        graph.add_node(
            _key(node),
            **_common(lineage, node, execution),
            state=mlmd.Execution.State.Name(execution.last_known_state),
        )
    for source, target, event in lineage.edges():
        graph.add_edge(
            _key(source),
            _key(target),
            event=mlmd.Event.Type.Name(event.type),
            path=".".join(
                step.key if step.HasField("key") else str(step.index) for step in event.path.steps
            ),
            time_ms=event.milliseconds_since_epoch,
        )
    return "\n".join(nx.generate_graphml(graph)).encode()


def _key(node: tuple[str, int]) -> str:
    return f"{node[0]}:{node[1]}"


def _common(lineage: Lineage, node: tuple[str, int], message: Any) -> dict[str, Any]:
    contexts = [
        f"{lineage.contexts[c].type}:{lineage.contexts[c].name}"
        for c in sorted(lineage.members)
        if node in lineage.members[c] and c in lineage.contexts
    ]
    return {
        "kind": node[0],
        "id": node[1],
        "type": message.type,
        "name": message.name,
        "deleted": node in lineage.deleted,
        "contexts": "; ".join(contexts),
        **{f"property.{name}": value for name, value in properties(message).items()},
    }
