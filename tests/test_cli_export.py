"""``mdstore export``: a model version's or an artifact's lineage written as a picture,
GraphML or W3C PROV, through --db and --server; what each file holds is read back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from prov.model import ProvDocument

from mdstore.embedded.store import MetadataStore
from mdstore.wire import v1
from tests.helpers.cli import WAYS, reaching, run
from tests.helpers.training import train


@pytest.fixture
def store_url(tmp_path: Path) -> tuple[str, list[int]]:
    """Two registered versions of ``churn``; the first run's source is deleted."""
    url = f"sqlite:///{tmp_path}/export.db"
    with MetadataStore(url) as store:
        models = [train(store), train(store, accuracy=0.95)]
        store.create_registered_model("churn", v1.ModelPolicy(metric="accuracy"))
        for model in models:
            store.register_model_version("churn", model)
        [source] = [a for a in store.get_artifacts() if a.uri == "s3://raw/source.csv"][:1]
        store.delete_artifacts([source.id], reason="leaked labels")
    return url, models


@pytest.fixture(params=WAYS)
def where(request: pytest.FixtureRequest, store_url: tuple[str, list[int]]) -> Iterator[list[str]]:
    with reaching(store_url[0], request.param) as args:
        yield args


def export(capsys: pytest.CaptureFixture[str], out: Path, *args: str) -> str:
    code, printed, err = run(capsys, "export", *args, "-o", str(out))
    assert (code, err) == (0, ""), err
    return printed


def test_a_model_uri_as_graphml(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: tuple[str, list[int]],
    where: list[str],
) -> None:  # fmt: skip
    _, models = store_url
    out = tmp_path / "lineage.graphml"
    printed = export(capsys, out, "models:/churn/1.1.0", "--format", "graphml", *where)
    assert printed.startswith(f"wrote {out} (graphml, ")
    graph = nx.read_graphml(out)
    root = graph.nodes[f"artifact:{models[1]}"]
    assert (root["type"], root["version"]) == ("RegModel", "1.1.0")
    assert {graph.nodes[n]["type"] for n in graph.nodes} == {"RegData", "RegModel", "RegStep"}
    assert graph.number_of_nodes() == 7  # source, 2 datasets, model; ingest, split, train
    assert nx.is_directed_acyclic_graph(graph)


def test_pictures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: tuple[str, list[int]]
) -> None:
    url, models = store_url
    for fmt, magic in (
        ("svg", b"<?xml"),
        ("png", b"\x89PNG"),
        ("pdf", b"%PDF-"),
        ("dot", b"digraph"),
    ):
        out = tmp_path / f"lineage.{fmt}"
        export(capsys, out, "--artifact", str(models[0]), "--format", fmt, "--db", url)
        assert out.read_bytes().startswith(magic)
    svg = (tmp_path / "lineage.svg").read_text()
    assert "version 1.0.0" in svg
    assert "DELETED" in svg  # the deleted source


def test_prov_json_with_the_deletion(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: tuple[str, list[int]]
) -> None:
    url, models = store_url
    out = tmp_path / "lineage.json"
    export(capsys, out, "models:/churn/1.0.0", "--format", "prov-json", "--db", url)
    document = ProvDocument.deserialize(content=out.read_text(), format="json")
    kinds = [record.get_type().localpart for record in document.get_records()]
    # Three events read data; the registration of 1.0.0 used the model (an agent did it).
    assert kinds.count("Usage") == 4
    assert kinds.count("Generation") == 3
    assert kinds.count("Association") == 1
    assert "Invalidation" in kinds
    for fmt in ("prov-n", "prov-xml"):
        export(capsys, tmp_path / fmt, "--artifact", str(models[0]), "--format", fmt, "--db", url)
    assert "wasInvalidatedBy" in (tmp_path / "prov-n").read_text()


def test_direction_and_as_of(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: tuple[str, list[int]]
) -> None:
    url, models = store_url
    with MetadataStore(url) as store:
        [source] = [a for a in store.get_artifacts() if a.uri == "s3://raw/source.csv"][:1]
    out = tmp_path / "down.graphml"
    export(capsys, out, "--artifact", str(source.id), "--direction", "downstream",
           "--format", "graphml", "--db", url)  # fmt: skip
    assert f"artifact:{models[0]}" in nx.read_graphml(out).nodes
    code, _, err = run(
        capsys, "export", "--artifact", str(models[0]), "--format", "dot", "--as-of", "2001-01-01",
        "-o", str(tmp_path / "x.dot"), "--db", url,
    )  # fmt: skip
    assert code == 1
    assert err.startswith("mdstore: error: no artifact with id")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "svg"), "a MODEL_URI or --artifact ID"),
        (("models:/churn/1.0.0", "--artifact", "1", "--format", "svg"), "or --artifact"),
        (("models:/churn/7.0.0", "--format", "svg"), "has no version 7.0.0"),
        (("models:/churn", "--format", "svg"), "malformed model URI"),
        (("--artifact", "1", "--format", "bundle", "--sign-key", "no.key"), "cannot read no.key"),
    ],
)  # fmt: skip
def test_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: tuple[str, list[int]],
    args: tuple[str, ...], message: str,
) -> None:  # fmt: skip
    url, _ = store_url
    code, out, err = run(capsys, "export", *args, "-o", str(tmp_path / "x"), "--db", url)
    assert (code, out) == (1, "")
    assert message in err
    assert not (tmp_path / "x").exists()


def test_openlineage_json_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: tuple[str, list[int]]
) -> None:
    url, models = store_url
    out = tmp_path / "events.jsonl"
    export(capsys, out, "--artifact", str(models[1]), "--format", "openlineage", "--db", url)
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["job"]["name"] for e in events] == ["RegStep"] * 3  # ingest, split, train
    assert events[-1]["outputs"][0]["namespace"] == "s3://models"  # uri s3://models/<run>
    assert len({e["run"]["runId"] for e in events}) == 3


def test_cyclonedx_ml_bom(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: tuple[str, list[int]]
) -> None:
    url, models = store_url
    out = tmp_path / "bom.json"
    printed = export(capsys, out, "models:/churn/1.1.0", "--format", "cyclonedx", "--db", url)
    assert "both of artifact" in printed  # an ML-BOM also reads evaluations downstream
    bom = json.loads(out.read_text())
    model = bom["metadata"]["component"]
    assert (model["bom-ref"], model["version"]) == (f"artifact/{models[1]}", "1.1.0")
    metrics = model["modelCard"]["quantitativeAnalysis"]["performanceMetrics"]
    assert metrics == [{"type": "accuracy", "value": "0.95"}]
    assert len(bom["components"]) == 3  # source, ingested, train split


def test_prov_records_who_registered_and_moved_versions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, store_url: tuple[str, list[int]]
) -> None:
    url, models = store_url
    with MetadataStore(url) as store:
        store.set_alias("churn", "production", "1.1.0", reason="better")
    out = tmp_path / "lineage.json"
    export(capsys, out, "models:/churn@production", "--format", "prov-json", "--db", url)
    document = ProvDocument.deserialize(source=str(out), format="json")
    records = {str(r.identifier): r for r in document.get_records()}
    assert "mdstore:registration/churn/1.1.0" in records
    [agent] = [r for r in document.get_records() if r.get_type().localpart == "Agent"]
    assert str(agent.identifier) == "mdstore:agent/unauthenticated"
    move = records["mdstore:alias-change/churn/1"]
    assert {str(k): str(v) for k, v in move.attributes if str(k).startswith("mdstore:")} == {
        "mdstore:alias": "production", "mdstore:from": "-", "mdstore:to": "1.1.0",
        "mdstore:reason": "better",
    }  # fmt: skip
    relations = {
        (r.get_type().localpart, *(str(v) for _, v in r.formal_attributes[:2]))
        for r in document.get_records()
        if r.is_relation()
    }
    assert ("Attribution", f"mdstore:artifact/{models[1]}", str(agent.identifier)) in relations
    assert ("Association", "mdstore:alias-change/churn/1", str(agent.identifier)) in relations
    assert "mdstore:registration/churn/1.0.0" not in records  # 1.0.0 is not upstream of 1.1.0
