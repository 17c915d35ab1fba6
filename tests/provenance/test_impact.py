"""end_products: every end product downstream, each with a valid shortest chain."""

from __future__ import annotations

from typing import Any

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from mdstore.provenance.graph import LineageGraph, NodeId, from_ref
from mdstore.provenance.impact import end_product_ids, end_products
from tests.provenance.builders import Lineage, make_event, reference_graph
from tests.provenance.test_graph import EVENT_TYPES


def fan_out(models: int) -> tuple[Lineage, int, list[int], list[int]]:
    """A source dataset feeding ``models`` trainers (through shared features); half
    of the models are evaluated into reports. Returns the lineage, the source, the
    models and the reports."""
    lineage = Lineage()
    source = lineage.artifact("Dataset", uri="s3://raw")
    prep = lineage.execution("Prep")
    features = lineage.artifact("Features")
    lineage.read(prep, source)
    lineage.write(prep, features)
    built, reports = [], []
    for number in range(models):
        trainer = lineage.execution("Trainer")
        model = lineage.artifact("Model", name=f"model-{number}")
        lineage.read(trainer, features)
        if number % 3 == 0:
            lineage.read(trainer, source)  # a shortcut: the source read directly too
        lineage.write(trainer, model)
        built.append(model)
        if number % 2:
            evaluator = lineage.execution("Evaluator")
            report = lineage.artifact("Report", name=f"report-{number}")
            lineage.read(evaluator, model)
            lineage.write(evaluator, report)
            reports.append(report)
    return lineage, source, built, reports


def check_chains(graph: LineageGraph, start: NodeId, products: list[Any]) -> None:
    """Each chain runs from start to its product along edges, as short as can be."""
    reference = nx.DiGraph()
    for node in graph.nodes():
        reference.add_node(node)
        for successor in graph.successors(node):
            reference.add_edge(node, successor)
    for product in products:
        chain = [from_ref(ref) for ref in product.path]
        assert chain[0] == start
        assert chain[-1] == NodeId.artifact(product.artifact_id)
        assert all(graph.has_edge(u, v) for u, v in zip(chain, chain[1:], strict=False))
        shortest = nx.shortest_path_length(reference, start, chain[-1])
        assert len(chain) - 1 == shortest


def test_a_source_feeding_many_models() -> None:
    lineage, source, models, reports = fan_out(25)
    graph = lineage.graph()
    start = NodeId.artifact(source)
    products = end_products(graph, start, lineage.artifacts)
    evaluated = {models[number] for number in range(len(models)) if number % 2}
    expected = sorted((set(models) - evaluated) | set(reports))
    assert [p.artifact_id for p in products] == expected
    assert end_product_ids(graph, start) == expected
    check_chains(graph, start, products)
    by_id = {p.artifact_id: p for p in products}
    assert (by_id[models[0]].type, by_id[models[0]].name) == ("Model", "model-0")
    assert len(by_id[models[0]].path) == 3  # source -> trainer -> model, the shortcut
    assert len(by_id[models[2]].path) == 5  # source -> prep -> features -> trainer -> model
    assert (by_id[reports[0]].type, by_id[reports[0]].name) == ("Report", "report-1")


def test_missing_messages_truncated_nodes_and_the_start() -> None:
    lineage, source, models, _ = fan_out(2)
    graph = lineage.graph()
    start = NodeId.artifact(source)
    products = end_products(graph, start, {}, truncated={NodeId.artifact(models[0])})
    # models[0] was truncated (maybe consumed beyond the walk); models[1] is evaluated.
    assert [(p.artifact_id, p.type, p.name) for p in products] == [(models[1] + 1, "", "")]
    # An end product's own impact is nothing, not itself.
    assert end_products(graph, NodeId.artifact(models[1] + 1), lineage.artifacts) == []
    assert end_product_ids(LineageGraph(), start) == []


def test_no_chain_goes_through_a_truncated_node() -> None:
    lineage = Lineage()
    source, middle, end = (lineage.artifact("Data") for _ in range(3))
    step, after = lineage.execution("Step"), lineage.execution("Step")
    lineage.read(step, source)
    lineage.write(step, middle)
    lineage.read(after, middle)
    lineage.write(after, end)
    graph = lineage.graph()
    start = NodeId.artifact(source)
    assert end_product_ids(graph, start) == [end]
    assert end_product_ids(graph, start, truncated={NodeId.artifact(middle)}) == []


@st.composite
def dags(draw: st.DrawFn) -> list[Any]:
    """Random acyclic lineages: an event joins a lower-numbered node to a higher one."""
    events = []
    for _ in range(draw(st.integers(0, 40))):
        artifact, execution = draw(st.integers(0, 9)), draw(st.integers(0, 9))
        # Artifact 2k and execution 2k+1 sit at positions 2k and 2k+1 of one order.
        forward = 2 * artifact < 2 * execution + 1
        kinds = [k for k in EVENT_TYPES if k and (k in (2, 3, 5)) == forward]
        events.append(make_event(artifact, execution, draw(st.sampled_from(kinds))))
    return events


@settings(max_examples=150, deadline=None)
@given(events=dags(), start=st.integers(0, 9))
def test_end_products_agree_with_networkx(events: list[Any], start: int) -> None:
    graph = LineageGraph.from_events(events, nodes=[NodeId.artifact(start)])
    reference = reference_graph(events)
    node = NodeId.artifact(start)
    reference.add_node(node)
    expected = sorted(
        n[1]
        for n in nx.descendants(reference, node)
        if n[0] == "artifact" and reference.out_degree(n) == 0
    )
    products = end_products(graph, node, {})
    assert [p.artifact_id for p in products] == expected == end_product_ids(graph, node)
    check_chains(graph, node, products)
