"""Model versions through the unchanged ml-metadata 1.17.1 client, on every backend:
the training runs it writes register as versions computed from their lineage, and
it reads the versions back as a context of type ``mdstore.RegisteredModel`` whose
artifacts carry ``mdstore.version``."""

from __future__ import annotations

from pathlib import Path

import pytest

import mdstore_client
from mdstore.wire import v1
from tests.compat import mlmd_venv

pytestmark = [pytest.mark.compat, pytest.mark.xdist_group("compat")]

PREAMBLE = mlmd_venv.CLIENT_PREAMBLE

# Three runs: a baseline, a better learning rate (better accuracy), a new schema.
WRITE = (
    PREAMBLE
    + r"""
data_type = pb.ArtifactType(name="Examples")
data_type.properties["schema_fingerprint"] = pb.STRING
data = store.put_artifact_type(data_type)
model_type = pb.ArtifactType(name="Model")
model_type.properties["accuracy"] = pb.DOUBLE
model = store.put_artifact_type(model_type)
trainer_type = pb.ExecutionType(name="Trainer")
trainer_type.properties["learning_rate"] = pb.DOUBLE
trainer = store.put_execution_type(trainer_type)
models = []
runs = [("s1", 0.1, 0.90), ("s1", 0.05, 0.93), ("s2", 0.05, 0.91)]
for run, (schema, rate, accuracy) in enumerate(runs):
    examples = pb.Artifact(type_id=data, uri=f"gs://bucket/examples/{run}")
    examples.properties["schema_fingerprint"].string_value = schema
    execution = pb.Execution(type_id=trainer, last_known_state=pb.Execution.COMPLETE)
    execution.properties["learning_rate"].double_value = rate
    output = pb.Artifact(type_id=model, uri=f"gs://bucket/model/{run}")
    output.properties["accuracy"].double_value = accuracy
    pairs = [(examples, pb.Event(type=pb.Event.INPUT)), (output, pb.Event(type=pb.Event.OUTPUT))]
    _, [_, model_id], _ = store.put_execution(execution, pairs, [])
    models.append(model_id)
print(*models)
"""
)

READ = (
    PREAMBLE
    + r"""
[context] = store.get_contexts_by_type("mdstore.RegisteredModel")
assert context.name == "classifier", context
artifacts = sorted(store.get_artifacts_by_context(context.id), key=lambda a: a.id)
print(*[a.custom_properties["mdstore.version"].string_value for a in artifacts])
"""
)


def test_runs_written_by_ml_metadata_get_versions_it_reads_back(
    mlmd_python: Path, mdstore_server: tuple[str, int]
) -> None:
    host, port = mdstore_server
    written = mlmd_venv.run_python(WRITE, host, str(port))
    assert written.returncode == 0, written.stdout + written.stderr
    runs = [int(part) for part in written.stdout.split()]

    with mdstore_client.connect(f"{host}:{port}") as client:
        policy = v1.ModelPolicy(metric="accuracy")
        client.call(
            "CreateRegisteredModel",
            v1.CreateRegisteredModelRequest(name="classifier", policy=policy),
        )
        versions = [
            client.call(
                "RegisterModelVersion",
                v1.RegisterModelVersionRequest(name="classifier", artifact_id=run),
            ).version
            for run in runs
        ]
    assert [v.version for v in versions] == ["1.0.0", "1.1.0", "2.0.0"]
    assert "learning_rate" in " ".join(r.text for r in versions[1].reasons)

    read = mlmd_venv.run_python(READ, host, str(port))
    assert read.returncode == 0, read.stdout + read.stderr
    assert read.stdout.split() == ["1.0.0", "1.1.0", "2.0.0"]
