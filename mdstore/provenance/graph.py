"""A lineage graph: a typed wrapper over ``networkx.DiGraph`` (dbt-core's ``graph.py``).

Nodes are ``NodeId`` (kind, id). Edges follow the data: an input event (an
execution read an artifact) is artifact -> execution, an output event is
execution -> artifact, so what a node was made from is its ancestors and what
was made from it its descendants. Each edge keeps its events (type, path and
position in the recorded order, as the links of its two nodes), which tell an
execution's inputs apart.

The only module of the package that touches networkx: the others ask this one.
Node ids, directions and event links live in ``nodes`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from typing import Any

import networkx as nx  # type: ignore[import-untyped,unused-ignore]

from mdstore.errors import InvalidArgumentError
from mdstore.provenance.nodes import ARTIFACT as ARTIFACT
from mdstore.provenance.nodes import BOTH as BOTH
from mdstore.provenance.nodes import DOWNSTREAM as DOWNSTREAM
from mdstore.provenance.nodes import EXECUTION as EXECUTION
from mdstore.provenance.nodes import MIN_DEPTH as MIN_DEPTH
from mdstore.provenance.nodes import UPSTREAM as UPSTREAM
from mdstore.provenance.nodes import Direction as Direction
from mdstore.provenance.nodes import EdgeEvent as EdgeEvent
from mdstore.provenance.nodes import EventPath as EventPath
from mdstore.provenance.nodes import Kind as Kind
from mdstore.provenance.nodes import Link as Link
from mdstore.provenance.nodes import NodeId as NodeId
from mdstore.provenance.nodes import check_depth as check_depth
from mdstore.provenance.nodes import event_path as event_path
from mdstore.provenance.nodes import from_ref as from_ref
from mdstore.provenance.nodes import to_ref as to_ref
from mdstore.wire.event_types import INPUT_EVENTS, OUTPUT_EVENTS


def _add(index: dict[NodeId, list[Link]], node: NodeId, link: Link) -> None:
    found = index.get(node)
    if found is None:
        index[node] = [link]
    else:
        found.append(link)


def _cached_path(event: Any, cache: dict[bytes, EventPath]) -> EventPath:
    raw = event.path.SerializeToString()
    found = cache.get(raw)
    if found is None:
        found = cache[raw] = event_path(event)
    return found


class LineageGraph:
    """Artifacts and executions, with an edge per (node, node) pair that events join.

    Each node's events are indexed in recorded order (its links), and the
    topology is a ``networkx.DiGraph`` built from them when first needed (paths,
    bidirectional walks, cycle checks): upstream and downstream walks and a diff
    follow the links and never pay for it. Nodes not in the graph are
    treated as isolated: they have no ancestors, descendants or links.
    """

    def __init__(
        self,
        nodes: Iterable[NodeId] = (),
        before: dict[NodeId, list[Link]] | None = None,
        after: dict[NodeId, list[Link]] | None = None,
        topology: Any | None = None,
    ) -> None:
        """Holds nodes and their links; ``from_events`` is the usual way to build one.

        Args:
            nodes: every node, links or not.
            before: each node's links to the nodes with an edge to it (producers
                or inputs), in recorded order.
            after: each node's links to the nodes it has an edge to (consumers or
                outputs), in recorded order.
            topology: the ``networkx.DiGraph`` of those; built from the links
                when first needed if None.
        """
        self._nodes = dict.fromkeys(nodes)
        self._before = {} if before is None else before
        self._after = {} if after is None else after
        self._topology = topology

    @classmethod
    def from_events(
        cls, events: Iterable[Any], nodes: Iterable[NodeId] = (), *, paths: bool = True
    ) -> LineageGraph:
        """Builds the graph of some ``ml_metadata.Event`` messages.

        Args:
            events: the events, in recorded order (each keeps its position, which
                tells same-type inputs apart). Events whose type is neither an input
                nor an output (UNKNOWN) add their nodes but no edge.
            nodes: nodes to include even without events, e.g. a walk's start.
            paths: keep each event's path (False: every path is empty), which
                only matching by role (diff) reads.
        """
        cache: dict[bytes, EventPath] = {}  # pipelines repeat a few paths many times
        edges = (
            (
                event.artifact_id,
                event.execution_id,
                event.type,
                _cached_path(event, cache) if paths and event.HasField("path") else (),
            )
            for event in events
        )
        return cls._from_edges(edges, nodes)

    @classmethod
    def from_event_rows(
        cls, rows: Iterable[tuple[int, int, int]], nodes: Iterable[NodeId] = ()
    ) -> LineageGraph:
        """``from_events(..., paths=False)`` of ``(artifact_id, execution_id, type)``
        triples in recorded order: what a trace reads, without parsing the events."""
        return cls._from_edges(((a, e, kind, ()) for a, e, kind in rows), nodes)

    @classmethod
    def _from_edges(
        cls, edges: Iterable[tuple[int, int, int, EventPath]], nodes: Iterable[NodeId]
    ) -> LineageGraph:
        found = dict.fromkeys(nodes)
        before: dict[NodeId, list[Link]] = {}
        after: dict[NodeId, list[Link]] = {}
        # One NodeId per node: a deep trace meets each node in several events.
        artifacts: dict[int, NodeId] = {}
        executions: dict[int, NodeId] = {}
        for order, (artifact_id, execution_id, kind, path) in enumerate(edges):
            artifact = artifacts.get(artifact_id)
            if artifact is None:
                artifact = artifacts[artifact_id] = NodeId(ARTIFACT, artifact_id)
            execution = executions.get(execution_id)
            if execution is None:
                execution = executions[execution_id] = NodeId(EXECUTION, execution_id)
            found[artifact] = found[execution] = None
            if kind in INPUT_EVENTS:
                source, target = artifact, execution
            elif kind in OUTPUT_EVENTS:
                source, target = execution, artifact
            else:
                continue
            _add(before, target, Link(source, kind, path, order))
            _add(after, source, Link(target, kind, path, order))
        return cls(found, before, after)

    def _graph(self) -> Any:
        """The topology, built on first use."""
        if self._topology is None:
            graph: Any = nx.DiGraph()
            graph.add_nodes_from(self._nodes)
            # Each node's successors in the order of its events: that order breaks
            # the ties of downstream walks.
            graph.add_edges_from(
                (node, link.node) for node, links in self._after.items() for link in links
            )
            self._topology = graph
        return self._topology

    def __contains__(self, node: object) -> bool:
        return node in self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def nodes(self) -> list[NodeId]:
        """Every node, in insertion order."""
        return list(self._nodes)

    def edge_count(self) -> int:
        """How many (node, node) pairs events join."""
        return int(self._graph().number_of_edges())

    def has_edge(self, source: NodeId, target: NodeId) -> bool:
        """Whether an event leads from ``source`` to ``target``."""
        return any(link.node == target for link in self._after.get(source, ()))

    def edge_events(self, source: NodeId, target: NodeId) -> list[EdgeEvent]:
        """The events of the edge ``source`` -> ``target``, in recorded order."""
        return [
            EdgeEvent(link.type, link.path, link.order)
            for link in self._before.get(target, ())
            if link.node == source
        ]

    def in_degree(self, node: NodeId) -> int:
        """How many nodes have an edge to ``node`` (0 when it is not in the graph)."""
        links = self._before.get(node)
        return len({link.node for link in links}) if links else 0

    def has_predecessors(self, node: NodeId) -> bool:
        """Whether any node has an edge to ``node`` (e.g. an execution produced it)."""
        return bool(self._before.get(node))

    def out_degree(self, node: NodeId) -> int:
        """How many nodes ``node`` has an edge to (0 when it is not in the graph)."""
        return len({link.node for link in self._after.get(node, ())})

    def successors(self, node: NodeId) -> list[NodeId]:
        """The nodes one edge after ``node``, in the order of their first event."""
        return list(dict.fromkeys(link.node for link in self._after.get(node, ())))

    def predecessors(self, node: NodeId) -> list[NodeId]:
        """The nodes one edge before ``node``, in the order of their first event."""
        return list(dict.fromkeys(link.node for link in self._before.get(node, ())))

    def ancestors(self, node: NodeId, max_depth: int | None = None) -> set[NodeId]:
        """What ``node`` was made from, within ``max_depth`` hops (None: all).

        Raises:
            InvalidArgumentError: ``max_depth`` is negative.
        """
        return self.reachable(node, UPSTREAM, max_depth)

    def descendants(self, node: NodeId, max_depth: int | None = None) -> set[NodeId]:
        """What was made from ``node``, within ``max_depth`` hops (None: all).

        Raises:
            InvalidArgumentError: ``max_depth`` is negative.
        """
        return self.reachable(node, DOWNSTREAM, max_depth)

    def reachable(
        self, node: NodeId, direction: Direction, max_depth: int | None = None
    ) -> set[NodeId]:
        """The nodes within ``max_depth`` hops of ``node`` (not itself) going ``direction``.

        Raises:
            InvalidArgumentError: ``max_depth`` is negative.
        """
        return {child for _, child in self.bfs_edges(node, direction, max_depth)}

    def distances(
        self,
        node: NodeId,
        direction: Direction,
        max_depth: int | None = None,
        stop: Set[NodeId] = frozenset(),
    ) -> dict[NodeId, int]:
        """Hops from ``node`` to each node reached going ``direction`` (itself at 0).

        Args:
            node: where the walk starts.
            direction: UPSTREAM, DOWNSTREAM or BOTH.
            max_depth: the most hops (None: no limit).
            stop: nodes reached but not walked past (a walk's truncated nodes).

        Raises:
            InvalidArgumentError: ``max_depth`` is negative.
        """
        if direction == BOTH:
            hops = {node: 0}
            for parent, child in self.bfs_edges(node, direction, max_depth, stop):
                hops[child] = hops[parent] + 1
            return hops
        check_depth(max_depth)
        if node not in self._nodes:
            return {node: 0}
        # A level-by-level walk of the link indexes: a trace's hot path, several
        # times faster than building the DiGraph for generic_bfs_edges.
        if direction not in (UPSTREAM, DOWNSTREAM):
            raise InvalidArgumentError(f"unknown direction {direction!r}")
        links = self._before if direction == UPSTREAM else self._after
        return _levels(links, node, max_depth, stop)

    def bfs_edges(
        self,
        node: NodeId,
        direction: Direction,
        max_depth: int | None = None,
        stop: Set[NodeId] = frozenset(),
    ) -> Iterator[tuple[NodeId, NodeId]]:
        """The breadth-first tree from ``node``: (parent, child) pairs, nearest first.

        Each child appears once, after its parent, reached by a fewest-hop path
        (downstream, ties go to the parent's earliest recorded event).

        Raises:
            InvalidArgumentError: ``max_depth`` is negative.
        """
        check_depth(max_depth)
        if node not in self._nodes:
            return iter(())
        if direction in (UPSTREAM, DOWNSTREAM):
            # The link indexes hold each node's neighbours in recorded order, as the
            # DiGraph would: no need to build it (an impact's hot path).
            return _bfs(
                self._before if direction == UPSTREAM else self._after, node, max_depth, stop
            )
        neighbors = self._neighbors(direction)
        if stop:
            inner = neighbors

            def neighbors(n: NodeId) -> Iterable[NodeId]:
                return () if n in stop and n != node else inner(n)

        edges: Iterator[tuple[NodeId, NodeId]] = nx.generic_bfs_edges(
            self._graph(), node, neighbors=neighbors, depth_limit=max_depth
        )
        return edges

    def _neighbors(self, direction: Direction) -> Callable[[NodeId], Iterable[NodeId]]:
        """Each node's neighbours either way (BOTH): successors, then predecessors."""
        if direction != BOTH:
            raise InvalidArgumentError(f"unknown direction {direction!r}")
        graph = self._graph()
        succ, pred = graph.succ, graph.pred

        def either(n: NodeId) -> Iterable[NodeId]:
            return [*succ[n], *pred[n]]

        return either

    def producers(self, artifact: NodeId) -> list[Link]:
        """The executions that output ``artifact``, one link per event, in recorded order."""
        return list(self._before.get(artifact, ()))

    def consumers(self, artifact: NodeId) -> list[Link]:
        """The executions that read ``artifact``, one link per event, in recorded order."""
        return list(self._after.get(artifact, ()))

    def inputs(self, execution: NodeId) -> list[Link]:
        """The artifacts ``execution`` read, one link per event, in recorded order."""
        return list(self._before.get(execution, ()))

    def outputs(self, execution: NodeId) -> list[Link]:
        """The artifacts ``execution`` output, one link per event, in recorded order."""
        return list(self._after.get(execution, ()))

    def subgraph(self, nodes: Iterable[NodeId]) -> LineageGraph:
        """The graph induced by ``nodes`` (its topology a view of this graph's)."""
        keep = set(nodes)

        def inside(index: dict[NodeId, list[Link]]) -> dict[NodeId, list[Link]]:
            return {
                node: [link for link in links if link.node in keep]
                for node, links in index.items()
                if node in keep
            }

        kept = [node for node in self._nodes if node in keep]
        view = self._graph().subgraph(kept)
        return LineageGraph(kept, inside(self._before), inside(self._after), view)

    def shortest_simple_paths(self, source: NodeId, target: NodeId) -> Iterator[list[NodeId]]:
        """Simple paths from ``source`` to ``target``, fewest hops first (Yen's algorithm).

        Lazy: each next path costs a search, so take only as many as needed.
        Nothing when either node is missing or ``target`` is unreachable.
        """
        if source not in self._nodes or target not in self._nodes:
            return
        graph = self._graph()
        if not nx.has_path(graph, source, target):
            return
        yield from nx.shortest_simple_paths(graph, source, target)

    def is_acyclic(self) -> bool:
        """Whether no node is its own ancestor."""
        return bool(nx.is_directed_acyclic_graph(self._graph()))


def _levels(
    links: Mapping[NodeId, list[Link]],
    start: NodeId,
    max_depth: int | None,
    stop: Set[NodeId],
) -> dict[NodeId, int]:
    """Hops from ``start`` along ``links``, not walking past ``stop`` nodes."""
    hops = {start: 0}
    for parent, child in _bfs(links, start, max_depth, stop):
        hops[child] = hops[parent] + 1
    return hops


def _bfs(
    links: Mapping[NodeId, list[Link]],
    start: NodeId,
    max_depth: int | None,
    stop: Set[NodeId],
) -> Iterator[tuple[NodeId, NodeId]]:
    """The breadth-first tree from ``start`` along ``links``: (parent, child) pairs,
    level by level, each parent's children in the order of its links; ``stop``
    nodes are reached but not walked past."""
    seen = {start}
    frontier, depth = [start], 0
    while frontier and (max_depth is None or depth < max_depth):
        depth += 1
        reached = []
        for node in frontier:
            if node in stop and node != start:
                continue
            for link in links.get(node, ()):
                neighbour = link.node
                if neighbour not in seen:
                    seen.add(neighbour)
                    reached.append(neighbour)
                    yield node, neighbour
        frontier = reached
