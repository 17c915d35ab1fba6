"""The export writers on a hand-built lineage: every format parses back to the same
nodes and edges, deleted nodes are marked, and a 500-node lineage is collapsed."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema
import networkx as nx
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from prov.model import ProvDocument

from mdstore.export import cyclonedx_bom, graphml, openlineage_events, picture, prov_document
from mdstore.export.lineage import Lineage
from mdstore.wire import mlmd, v1
from tests.export.openlineage_spec import RUN_EVENT_SCHEMA, check_formats

INPUT, OUTPUT = 3, 4


def nodes(steps: int, *, deleted: int | None = None, digest: str = "ab" * 32) -> Any:
    """source -> step 1 -> data 1 -> ... -> step n -> model, in one run context."""
    answer = v1.LineageNodes()
    context = answer.contexts.add(id=1, type="PipelineRun", name="run-1")
    for artifact_id in range(1, steps + 2):
        artifact = answer.artifacts.add(id=artifact_id, type="Data", uri=f"s3://d/{artifact_id}")
        artifact.custom_properties["sha256"].string_value = digest
        answer.attributions.add(context_id=context.id, artifact_id=artifact_id)
    answer.artifacts[-1].type = "Model"
    answer.artifacts[-1].custom_properties["mdstore.version"].string_value = "1.1.0"
    for step in range(1, steps + 1):
        execution = answer.executions.add(id=step, type="Step", name=f"step-{step}")
        execution.properties["lr"].double_value = 0.1
        answer.associations.add(context_id=context.id, execution_id=step)
        event = answer.events.add(artifact_id=step, execution_id=step, type=INPUT)
        event.path.steps.add(key="examples")
        answer.events.add(artifact_id=step + 1, execution_id=step, type=OUTPUT)
    if deleted is not None:
        answer.tombstones.add(kind=1, id=deleted, reason="leaked labels")
    return answer


def lineage(steps: int = 3, **options: Any) -> Lineage:
    made = Lineage(root=("artifact", steps + 1))
    made.add(nodes(steps, **options))
    return made


def test_svg_draws_entities_activities_a_cluster_and_the_legend() -> None:
    svg = picture.render(lineage(deleted=1), "svg").decode()
    root = ET.fromstring(svg)
    titles = {t.text for t in root.iter("{http://www.w3.org/2000/svg}title")}
    assert {"a1", "a2", "a3", "a4", "e1", "e2", "e3"} <= titles
    assert {"cluster_c1", "cluster_legend"} <= titles
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert "PipelineRun: run-1" in texts
    assert "version 1.1.0" in svg
    assert f"sha256 {'ab' * 6}…" in svg
    assert svg.count("DELETED") == 1


def test_dot_png_and_pdf() -> None:
    dot = picture.render(lineage(), "dot").decode()
    assert dot.startswith("digraph lineage {")
    assert "rankdir=LR" in dot
    assert 'a4 [label="Model #4' in dot
    assert "penwidth=3" in dot
    assert picture.render(lineage(), "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert picture.render(lineage(), "pdf").startswith(b"%PDF-")


def test_a_long_lineage_is_collapsed_to_stay_readable() -> None:
    big = lineage(250)  # 251 artifacts + 250 executions
    dot = picture.render(big, "dot").decode()
    # e1 .. e250 is one straight run of 499 nodes: its two ends stay, 497 are boxed.
    assert "… 497 nodes …" in dot
    assert dot.count("[label=") < 30
    small = picture.render(lineage(50), "dot").decode()
    assert "nodes …" not in small


def test_graphml_round_trips_through_networkx() -> None:
    graph = nx.read_graphml(io.BytesIO(graphml.render(lineage(deleted=2))))
    assert sorted(graph.nodes) == sorted(
        [f"artifact:{i}" for i in range(1, 5)] + [f"execution:{i}" for i in range(1, 4)]
    )
    assert graph.has_edge("artifact:1", "execution:1")
    assert graph.has_edge("execution:3", "artifact:4")
    assert graph.number_of_edges() == 6
    model = graph.nodes["artifact:4"]
    assert (model["type"], model["version"], model["digest"]) == ("Model", "1.1.0", "ab" * 32)
    assert graph.nodes["artifact:2"]["deleted"] is True
    assert graph.nodes["execution:1"]["property.lr"] == "0.1"
    assert graph.edges["artifact:1", "execution:1"]["path"] == "examples"
    assert graph.nodes["artifact:1"]["contexts"] == "PipelineRun:run-1"


def records(document: ProvDocument, kind: str) -> list[Any]:
    return [r for r in document.get_records() if r.get_type().localpart == kind]


@pytest.mark.parametrize("fmt", ["prov-json", "prov-xml"])
def test_prov_documents_parse_back(fmt: str) -> None:
    data = prov_document.render(lineage(deleted=1), fmt)
    document = ProvDocument.deserialize(content=data.decode(), format=prov_document.FORMATS[fmt])
    assert len(records(document, "Entity")) >= 4
    assert len(records(document, "Activity")) == 4  # three steps and one deletion
    assert len(records(document, "Usage")) == 3
    assert len(records(document, "Generation")) == 3
    assert len(records(document, "Derivation")) == 3
    assert len(records(document, "Invalidation")) == 1
    assert len(records(document, "Membership")) == 4


def test_prov_n_names_what_happened() -> None:
    text = prov_document.render(lineage(deleted=1), "prov-n").decode()
    assert text.startswith("document")
    assert "used(mdstore:execution/1, mdstore:artifact/1" in text
    assert "wasGeneratedBy(mdstore:artifact/4, mdstore:execution/3" in text
    assert "wasInvalidatedBy(mdstore:artifact/1, mdstore:deletion/1" in text
    assert 'mdstore:version="1.1.0"' in text
    json.loads(prov_document.render(lineage(), "prov-json"))


def test_openlineage_run_events() -> None:
    made = nodes(2)
    made.executions[0].last_known_state = mlmd.Execution.State.Value("COMPLETE")
    made.executions[1].last_known_state = mlmd.Execution.State.Value("FAILED")
    made.executions[1].last_update_time_since_epoch = 1_800_000_000_000
    data = made.artifacts[0]
    data.uri = "s3://bucket/raw/data.csv"
    data.properties["schema"].struct_value.update(
        {"columns": [{"name": "age", "dtype": "int64"}, {"name": "income", "dtype": "float64"}]}
    )
    exported = Lineage(root=("artifact", 3))
    exported.add(made)
    lines = openlineage_events.render(exported).decode().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["eventType"] for e in events] == ["COMPLETE", "FAIL"]
    assert [(e["job"]["namespace"], e["job"]["name"]) for e in events] == [("mdstore", "Step")] * 2
    assert events[0]["run"]["runId"] == openlineage_events.run_id(1)
    assert events[1]["eventTime"] == "2027-01-15T08:00:00.000Z"
    [read] = events[0]["inputs"]
    assert (read["namespace"], read["name"]) == ("s3://bucket", "/raw/data.csv")
    assert read["facets"]["version"]["datasetVersion"] == "ab" * 32
    assert [f["name"] for f in read["facets"]["schema"]["fields"]] == ["age", "income"]
    [wrote] = events[1]["outputs"]
    assert (wrote["namespace"], wrote["name"]) == ("s3://d", "/3")
    assert all(e["producer"] == openlineage_events.PRODUCER for e in events)
    assert openlineage_events.render(exported).decode().splitlines() == lines  # stable ids
    for event in events:
        jsonschema.validate(event, RUN_EVENT_SCHEMA)
        check_formats(event)
    broken = json.loads(lines[0])
    del broken["run"]["runId"]
    with pytest.raises(jsonschema.ValidationError, match="'runId' is a required property"):
        jsonschema.validate(broken, RUN_EVENT_SCHEMA)


def test_cyclonedx_ml_bom_with_a_model_card() -> None:
    made = nodes(2)  # data 1 -> step 1 -> data 2 -> step 2 -> model 3
    made.artifacts[2].properties["auc"].double_value = 0.91
    made.artifacts[2].properties["n_features"].int_value = 30  # a count, not a metric
    evaluation = made.executions.add(id=9, type="Evaluator")
    made.events.add(artifact_id=3, execution_id=9, type=INPUT)
    made.artifacts.add(id=10, type="Metrics").properties["accuracy"].double_value = 0.97
    made.events.add(artifact_id=10, execution_id=evaluation.id, type=OUTPUT)
    exported = Lineage(root=("artifact", 3))
    exported.add(made)
    bom = json.loads(cyclonedx_bom.render(exported))
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")
    model = bom["metadata"]["component"]
    assert (model["type"], model["version"], model["bom-ref"]) == (
        "machine-learning-model", "1.1.0", "artifact/3",
    )  # fmt: skip
    assert model["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    assert sorted(c["bom-ref"] for c in bom["components"]) == ["artifact/1", "artifact/2"]
    assert all(c["type"] == "data" for c in bom["components"])
    card = model["modelCard"]
    assert card["modelParameters"]["datasets"] == [{"ref": "artifact/2"}]
    metrics = {m["type"]: m["value"] for m in card["quantitativeAnalysis"]["performanceMetrics"]}
    assert metrics == {"accuracy": "0.97", "auc": "0.91"}
    assert {"name": "mdstore:parameter:Step#1:lr", "value": "0.1"} in model["properties"]
    depends = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert depends["artifact/3"] == ["artifact/2"]
    assert depends["artifact/2"] == ["artifact/1"]


def test_the_schema_the_library_ships_rejects_a_broken_model_card() -> None:
    good = json.loads(cyclonedx_bom.render(lineage()))
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    assert validator.validate_str(json.dumps(good)) is None
    good["metadata"]["component"]["modelCard"]["modelParameters"]["datasets"] = [{"uri": "x"}]
    assert validator.validate_str(json.dumps(good)) is not None
