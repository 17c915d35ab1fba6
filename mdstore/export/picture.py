"""Lineage pictures through graphviz: SVG, PNG, PDF or the DOT source.

Drawn the way W3C PROV draws provenance: artifacts are entities (yellow ovals),
executions are activities (blue boxes), laid out left to right in the direction
the data flowed. Each pipeline run (context) is a cluster; a node in several
contexts is drawn in the smallest (the run, not the whole pipeline). Labels carry
the type, name, model version and a short digest; deleted nodes are grey and
dashed; the node the export is about has a thick border; a legend explains it.
Past ``COLLAPSE_ABOVE`` nodes, long straight runs (one input, one output) are
drawn as one "… n nodes …" box so a big lineage stays readable.
"""

from __future__ import annotations

from typing import Any, Final

import graphviz  # type: ignore[import-untyped,unused-ignore]

from mdstore.export.lineage import Lineage, version
from mdstore.wire.values import digest

FORMATS: Final = ("svg", "png", "pdf", "dot")
COLLAPSE_ABOVE: Final = 200  # nodes; smaller lineages are drawn whole
LONGEST_RUN: Final = 6  # nodes of a straight run kept before it is collapsed
ENTITY: Final = {"shape": "ellipse", "style": "filled", "fillcolor": "#FFFC87"}
ACTIVITY: Final = {"shape": "box", "style": "filled", "fillcolor": "#9FB1FC"}
DELETED: Final = {"style": "filled,dashed", "fillcolor": "#E0E0E0", "fontcolor": "#707070"}
_SHORT: Final = 12
MDSTORE_TYPES: Final = "mdstore."

Key = tuple[str, int]


def render(lineage: Lineage, fmt: str) -> bytes:
    """The picture in ``fmt`` (one of ``FORMATS``)."""
    graph = _graph(lineage)
    if fmt == "dot":
        return str(graph.source).encode()
    return bytes(graph.pipe(format=fmt))


def _graph(lineage: Lineage) -> Any:
    graph = graphviz.Digraph(
        "lineage",
        graph_attr={"rankdir": "LR", "fontname": "Helvetica", "fontsize": "11"},
        node_attr={"fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"fontname": "Helvetica", "fontsize": "8", "color": "#555555"},
    )
    hidden, runs = _collapsed(lineage)
    home = _clusters(lineage)
    placed: set[Key] = set()
    for context_id in sorted(set(home.values())):
        context = lineage.contexts[context_id]
        members = [n for n, c in home.items() if c == context_id and n not in hidden]
        with graph.subgraph(name=f"cluster_c{context_id}") as cluster:
            cluster.attr(label=f"{context.type}: {context.name}", style="rounded", color="#999999")
            for node in members:
                _node(cluster, lineage, node)
                placed.add(node)
    for node in _all_nodes(lineage):
        if node not in placed and node not in hidden:
            _node(graph, lineage, node)
    for source, target, event in lineage.edges():
        if source not in hidden and target not in hidden:
            graph.edge(_id(source), _id(target), label=_edge_label(event))
    for number, (first, last, count) in enumerate(runs):
        box = f"run{number}"
        _run_box(graph, home.get(first), box, count)
        graph.edge(_id(first), box)
        graph.edge(box, _id(last))
    _legend(graph)
    return graph


def _run_box(graph: Any, context_id: int | None, box: str, count: int) -> None:
    """A collapsed run's box, in the cluster its first node is in (same-named
    subgraphs are one cluster to graphviz)."""
    attributes = {"shape": "box", "style": "dotted"}
    if context_id is None:
        graph.node(box, f"… {count} nodes …", **attributes)
        return
    with graph.subgraph(name=f"cluster_c{context_id}") as cluster:
        cluster.node(box, f"… {count} nodes …", **attributes)


def _clusters(lineage: Lineage) -> dict[Key, int]:
    """Each node's cluster: of its contexts, the one with the fewest members here,
    the newest on a tie (a run rather than the pipeline that was made before it);
    mdstore's own contexts (a registered model's) are not runs and draw no cluster."""
    home: dict[Key, int] = {}
    sizes = {c: len(m) for c, m in lineage.members.items()}
    for context_id in sorted(lineage.members, key=lambda c: (sizes[c], -c)):
        context = lineage.contexts.get(context_id)
        if context is None or context.type.startswith(MDSTORE_TYPES):
            continue
        for node in lineage.members[context_id]:
            home.setdefault(node, context_id)
    return home


def _all_nodes(lineage: Lineage) -> list[Key]:
    return [("artifact", i) for i in sorted(lineage.artifacts)] + [
        ("execution", i) for i in sorted(lineage.executions)
    ]


def _id(node: Key) -> str:
    return f"{node[0][0]}{node[1]}"


def _node(graph: Any, lineage: Lineage, node: Key) -> None:
    kind, node_id = node
    message = lineage.artifacts[node_id] if kind == "artifact" else lineage.executions[node_id]
    lines = [f"{message.type or kind} #{node_id}"]
    if message.name:
        lines.append(_cut(message.name, 28))
    if kind == "artifact":
        if version(message):
            lines.append(f"version {version(message)}")
        if digest(message):
            lines.append(f"sha256 {digest(message)[:_SHORT]}…")
    style = dict(ENTITY if kind == "artifact" else ACTIVITY)
    if node in lineage.deleted:
        style.update(DELETED)
        lines.append("DELETED")
    if node == lineage.root:
        style["penwidth"] = "3"
    graph.node(_id(node), "\n".join(lines), **style)


def _edge_label(event: Any) -> str:
    keys = [step.key for step in event.path.steps if step.HasField("key")]
    return keys[0] if keys else ""


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _legend(graph: Any) -> None:
    with graph.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", style="rounded", color="#BBBBBB", fontsize="9")
        legend.node("legend_entity", "artifact (PROV entity)", **ENTITY)
        legend.node("legend_activity", "execution (PROV activity)", **ACTIVITY)
        legend.node("legend_deleted", "deleted\n(tombstone)", **{**ENTITY, **DELETED})
        legend.edge("legend_entity", "legend_activity", label="used", style="invis")
        legend.edge("legend_activity", "legend_deleted", label="generated", style="invis")


def _collapsed(lineage: Lineage) -> tuple[set[Key], list[tuple[Key, Key, int]]]:
    """Nodes hidden inside collapsed runs, and each run as (before, after, count).

    A run is a maximal chain of nodes with one edge in and one edge out, none of
    them the root or deleted; a run longer than ``LONGEST_RUN`` keeps its two
    ends and the rest is hidden.
    """
    if lineage.node_count() <= COLLAPSE_ABOVE:
        return set(), []
    into: dict[Key, list[Key]] = {}
    out: dict[Key, list[Key]] = {}
    for source, target, _ in lineage.edges():
        out.setdefault(source, []).append(target)
        into.setdefault(target, []).append(source)

    def straight(node: Key) -> bool:
        return (
            len(into.get(node, ())) == 1
            and len(out.get(node, ())) == 1
            and node != lineage.root
            and node not in lineage.deleted
        )

    hidden: set[Key] = set()
    runs: list[tuple[Key, Key, int]] = []
    for node in _all_nodes(lineage):
        if node in hidden or not straight(node) or straight(into[node][0]):
            continue  # not the first node of a run
        run = [node]
        while straight(out[run[-1]][0]) and out[run[-1]][0] not in run:
            run.append(out[run[-1]][0])
        if len(run) > LONGEST_RUN:
            hidden.update(run[1:-1])
            runs.append((run[0], run[-1], len(run) - 2))
    return hidden, runs
