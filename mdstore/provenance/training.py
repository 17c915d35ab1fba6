"""What a model was trained on: its training step and the data facts a version rests on.

The training step is the execution that output the model artifact. A fact (a
schema, a target) is read from the step's inputs; where none of them carries it,
from the nearest upstream artifacts that do (the fewest hops back, all of that
distance), so a step that reads a split of a validated dataset still sees the
dataset's schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mdstore.provenance.diff import Subgraph
from mdstore.provenance.graph import ARTIFACT, UPSTREAM, LineageGraph, NodeId
from mdstore.provenance.values import BOOKKEEPING_PREFIX
from mdstore.wire.values import value_text


@dataclass(frozen=True)
class Fact:
    """A property's value on the data, and where it was read.

    Attributes:
        values: the distinct values found, as canonical text, sorted.
        sources: "property of Type #id" for each artifact read, in hop order.
    """

    values: tuple[str, ...]
    sources: tuple[str, ...]


NO_FACT = Fact((), ())


@dataclass(frozen=True)
class TrainingData:
    """A model's training step and the artifacts upstream of it, nearest first.

    Attributes:
        step: the execution that output the model.
        levels: the artifacts upstream of the step, grouped by hops from it
            (fewest first), each group by id.
    """

    step: NodeId
    levels: tuple[tuple[NodeId, ...], ...]


def training_data(lineage: Subgraph) -> TrainingData | None:
    """The execution that output the root artifact (the latest one when several
    did) and what lies upstream of it; None when no execution output the root."""
    root = NodeId.artifact(lineage.root)
    graph = LineageGraph.from_events(lineage.events, nodes=[root], paths=False)
    producers = graph.producers(root)
    if not producers:
        return None
    step = producers[-1].node
    by_distance: dict[int, list[NodeId]] = {}
    for node, distance in graph.distances(step, UPSTREAM).items():
        if node.kind == ARTIFACT:
            by_distance.setdefault(distance, []).append(node)
    levels = tuple(tuple(sorted(by_distance[d], key=lambda n: n.id)) for d in sorted(by_distance))
    return TrainingData(step, levels)


def data_fact(lineage: Subgraph, data: TrainingData, names: Sequence[str]) -> Fact:
    """The first of ``names`` carried by the data the training step read, nearest first.

    Args:
        lineage: the model's upstream lineage.
        data: its training step and the artifacts upstream of it.
        names: property names, in order of preference (per artifact, first found).

    Returns:
        The values at the smallest distance where any artifact carries one of
        ``names``; ``NO_FACT`` when no artifact upstream does.
    """
    for level in data.levels:
        found = [
            (node, *hit)
            for node in level
            if (hit := _first_property(lineage.artifacts.get(node.id), names)) is not None
        ]
        if found:
            values = tuple(sorted({value for _, _, value in found}))
            sources = tuple(
                f"{name} of {_type_of(lineage, node)} #{node.id}" for node, name, _ in found
            )
            return Fact(values, sources)
    return NO_FACT


def _type_of(lineage: Subgraph, node: NodeId) -> str:
    artifact = lineage.artifacts.get(node.id)
    return (artifact.type if artifact is not None else "") or "artifact"


def _first_property(artifact: Any, names: Sequence[str]) -> tuple[str, str] | None:
    if artifact is None:
        return None
    for name in names:
        if name.startswith(BOOKKEEPING_PREFIX):
            continue
        for values in (artifact.properties, artifact.custom_properties):
            if name in values:
                return name, value_text(values[name])
    return None
