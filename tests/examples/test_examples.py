"""Smoke tests: every example runs to the end and leaves honest metadata behind."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import mdstore_client
from mdstore_client.digest import uri_sha256
from tests.helpers.processes import free_port, run_example

needs_sklearn = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None,
    reason="the pipeline examples need scikit-learn: pip install -e '.[examples]'",
)

PIPELINE = "breast-cancer"
RUNS = ("baseline", "pca-step", "tuned", "new-feature")


def test_quickstart(tmp_path: Path) -> None:
    result = run_example("quickstart.py", f"sqlite:///{tmp_path / 'md.db'}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Model #2  model.pkl  auc=0.91  sha256:")
    assert lines[1] == "└── trainer (execution #1, complete)  lr=0.01"
    assert lines[2].startswith("    └── Dataset #1  churn.csv  rows=2  sha256:")
    assert lines[2].endswith("[source]")


def _by_run(client: mdstore_client.Client, type_name: str) -> dict[str, mdstore_client.Artifact]:
    found = {}
    for run in RUNS:
        context = client.context("pipeline_run", f"{PIPELINE}/{run}")
        [found[run]] = client.artifacts(type_name, context=context)
    return found


def check_pipeline_store(client: mdstore_client.Client) -> None:
    """The four runs are in the store, honestly: metrics, fingerprints, digests, lineage."""
    metrics = {run: a.properties for run, a in _by_run(client, "Metrics").items()}
    assert metrics["tuned"]["accuracy"] > metrics["pca-step"]["accuracy"]
    assert metrics["tuned"]["auc"] > metrics["pca-step"]["auc"]
    assert metrics["tuned"]["accuracy"] > metrics["baseline"]["accuracy"]

    models = {run: a.properties for run, a in _by_run(client, "Model").items()}
    base, pca, tuned, feature = (models[run] for run in RUNS)
    assert pca["steps_fingerprint"] != base["steps_fingerprint"]  # pipeline change
    assert pca["schema_fingerprint"] == base["schema_fingerprint"]
    assert tuned["steps_fingerprint"] == pca["steps_fingerprint"]  # hyperparameters only
    assert tuned["params_fingerprint"] != pca["params_fingerprint"]
    assert tuned["pipeline_fingerprint"] != pca["pipeline_fingerprint"]
    assert feature["schema_fingerprint"] != tuned["schema_fingerprint"]  # schema change
    assert feature["pipeline_fingerprint"] == tuned["pipeline_fingerprint"]
    assert feature["n_features"] == tuned["n_features"] + 1

    executions = list(client.executions())
    assert len(executions) == 6 * len(RUNS)
    assert {x.state for x in executions} == {mdstore_client.ExecutionState.COMPLETE}
    artifacts = list(client.artifacts())
    assert sorted(a.name for a in artifacts if a.type == "RawData") == [
        "breast_cancer_v1.csv",  # registered once, reused by three runs
        "breast_cancer_v2.csv",
    ]
    for artifact in artifacts:
        assert artifact.sha256 is not None
        assert artifact.sha256 == uri_sha256(artifact.uri)

    final = _by_run(client, "Model")["new-feature"]
    lineage = client.upstream(final)
    assert [a.name for a in lineage.sources()] == ["breast_cancer_v2.csv"]
    assert sorted(x.type for x in lineage.executions.values()) == [
        "ingest",
        "split",
        "train",
        "validate",
    ]


@needs_sklearn
def test_train_pipeline(tmp_path: Path) -> None:
    result = run_example("train_pipeline.py", "--workdir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "tuned        better hyperparameters" in result.stdout
    with mdstore_client.connect(f"sqlite:///{tmp_path / 'mdstore.db'}") as client:
        check_pipeline_store(client)
    assert (tmp_path / "serving" / "tuned" / "model.joblib").is_file()


@needs_sklearn
def test_demo(tmp_path: Path) -> None:
    result = run_example("demo.py", "--port", str(free_port()), "--workdir", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "What was the final model made from?" in out
    assert "└── train (execution #" in out
    assert "breast_cancer_v2.csv  rows=569 columns=32  sha256:" in out
    assert "[source]" in out
    assert "(recomputed from the file: matches)" in out
    assert "mdstore serve exited with status 0." in out
    for version, bump, run in (
        ("1.0.0", "initial", "baseline"), ("1.0.1", "pipeline", "pca-step"),
        ("1.1.0", "minor", "tuned"), ("2.0.0", "major", "new-feature"),
    ):  # fmt: skip
        assert f"  {version:<6} {bump:<9} {run}" in out
    assert "production 2.0.0 -> 1.1.0   rollback" in out
    assert "models:/breast-cancer@production -> 1.1.0" in out
    svg = (tmp_path / "production.svg").read_text()
    assert "version 1.1.0" in svg
    assert "pipeline_run: breast&#45;cancer/tuned" in svg  # graphviz escapes "-" in SVG
    assert '"wasGeneratedBy"' in (tmp_path / "production.prov.json").read_text()
    bom = json.loads((tmp_path / "production.cdx.json").read_text())
    assert bom["metadata"]["component"]["version"] == "1.1.0"
    assert "modelCard" in bom["metadata"]["component"]
    with mdstore_client.connect(f"sqlite:///{tmp_path / 'mdstore.db'}") as client:
        check_pipeline_store(client)
        versions = client.model_versions("breast-cancer")
        assert [v.version for v in versions] == ["1.0.0", "1.0.1", "1.1.0", "2.0.0"]
        assert "schema" in versions[3].reasons[0].text


@needs_sklearn
def test_demo_reports_a_busy_port(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_example("demo.py", "--port", str(port), "--workdir", str(tmp_path))
    assert result.returncode == 1
    assert f"mdstore serve did not start (is port {port} free? try --port)" in result.stdout


@needs_sklearn
@pytest.mark.compat
@pytest.mark.xdist_group("compat")
def test_mlmd_client_pipeline(
    mlmd_python_with_sklearn: Path, mdstore_server: tuple[str, int], tmp_path: Path
) -> None:
    host, port = mdstore_server
    result = run_example(
        "mlmd_client_pipeline.py",
        *("--host", host, "--port", str(port), "--workdir", str(tmp_path)),
        python=mlmd_python_with_sklearn,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RawData breast_cancer_v2.csv" in result.stdout
    # What the unchanged ml-metadata client wrote reads back through mdstore_client.
    with mdstore_client.connect(f"{host}:{port}") as client:
        check_pipeline_store(client)
