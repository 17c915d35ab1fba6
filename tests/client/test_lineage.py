"""Executions' inputs and outputs, producers and consumers, and the upstream walk."""

from __future__ import annotations

import pytest

from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore_client import Artifact
from mdstore_client.client import Client
from tests.helpers.clients import RecordingTransport


def _pipeline(client: Client) -> dict[str, Artifact]:
    """raw -> ingest -> data -> split -> train/test; train -> fit -> model;
    model + test -> evaluate -> metrics; data is also read by fit (a diamond)."""
    made = {"raw": client.put_artifact("Dataset", uri="s3://raw.csv", name="raw")}
    steps = [
        ("ingest", ["raw"], [("data", "Dataset")]),
        ("split", ["data"], [("train", "Dataset"), ("test", "Dataset")]),
        ("fit", ["train", "data"], [("model", "Model")]),
        ("evaluate", ["model", "test"], [("metrics", "Metrics")]),
    ]
    for step, inputs, outputs in steps:
        with client.run(step, pipeline="p", run="r1", params={"seed": 7}) as run:
            for name in inputs:
                run.input(made[name], key=name)
            for name, type_name in outputs:
                made[name] = run.output(type_name, uri=f"s3://{name}", name=name)
    return made


def test_inputs_outputs_producer_consumers(declared: Client) -> None:
    made = _pipeline(declared)
    split = declared.producer(made["train"])
    assert split is not None
    assert split.type == "split"
    assert declared.producer(made["raw"]) is None
    assert [a.name for a in declared.inputs(split)] == ["data"]
    assert sorted(a.name or "" for a in declared.outputs(split)) == ["test", "train"]
    assert sorted(x.type for x in declared.consumers(made["data"])) == ["fit", "split"]
    assert declared.consumers(made["metrics"]) == []


def test_upstream_walks_back_to_the_sources(declared: Client) -> None:
    made = _pipeline(declared)
    lineage = declared.upstream(made["metrics"])
    assert [a.name for a in lineage.sources()] == ["raw"]
    assert sorted(x.type for x in lineage.executions.values()) == [
        "evaluate",
        "fit",
        "ingest",
        "split",
    ]
    assert set(lineage.artifacts) == {a.id for a in made.values()}
    fit = lineage.producer_of(made["model"])
    assert fit is not None
    assert fit.type == "fit"
    assert sorted(a.name or "" for a in lineage.inputs_of(fit)) == ["data", "train"]
    assert lineage.unexplored == []


def test_upstream_render_reads_as_a_tree(declared: Client) -> None:
    made = _pipeline(declared)
    text = declared.upstream(made["model"]).render()
    lines = text.splitlines()
    assert lines[0].startswith(f"Model #{made['model'].id}  model")
    assert lines[1].startswith("└── fit (execution #")
    assert "complete)  seed=7" in lines[1]
    assert any(line.endswith("raw  [source]") for line in lines)
    # data is reached twice (fit reads it, and so does split's input): expanded once.
    assert sum("Dataset #" in line and " data" in line for line in lines) == 2
    assert text.count("(shown above)") == 1


def test_upstream_batches_each_hop(declared: Client, calls: RecordingTransport) -> None:
    made = _pipeline(declared)
    calls.clear()
    declared.upstream(made["metrics"])
    methods = calls.methods()
    # Hops: metrics->evaluate->{model,test}; ->{fit,split}->{train,data}; ->{ingest}->{raw}.
    assert methods.count("GetEventsByArtifactIDs") == 4  # the last finds no producer
    assert methods.count("GetEventsByExecutionIDs") == 3
    assert methods.count("GetArtifactsByID") == 2  # the root, then all the others at once
    assert methods.count("GetExecutionsByID") == 1


def test_max_hops_stops_early(declared: Client) -> None:
    made = _pipeline(declared)
    lineage = declared.upstream(made["metrics"], max_hops=1)
    assert sorted(x.type for x in lineage.executions.values()) == ["evaluate"]
    assert sorted(lineage.unexplored) == sorted([made["model"].id, made["test"].id])
    assert lineage.sources() == []
    assert "…" in lineage.render()
    with pytest.raises(InvalidArgumentError, match="max_hops"):
        declared.upstream(made["metrics"], max_hops=-1)


def test_upstream_of_a_missing_artifact(declared: Client) -> None:
    with pytest.raises(NotFoundError, match="no artifact with id 4242"):
        declared.upstream(4242)
