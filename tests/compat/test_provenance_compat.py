"""Provenance over lineage the unchanged ml-metadata 1.17.1 client wrote, on every
backend: mdstore traces it in one call, and a node deleted through ``mdstore.v1``
reads as DELETED through ml-metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

import mdstore_client
from tests.compat import mlmd_venv

pytestmark = [pytest.mark.compat, pytest.mark.xdist_group("compat")]

PREAMBLE = mlmd_venv.CLIENT_PREAMBLE

WRITE = (
    PREAMBLE
    + r"""
data_type = pb.ArtifactType(name="Examples")
data_type.properties["span"] = pb.INT
data = store.put_artifact_type(data_type)
model = store.put_artifact_type(pb.ArtifactType(name="Model"))
trainer_type = pb.ExecutionType(name="Trainer")
trainer_type.properties["learning_rate"] = pb.DOUBLE
trainer = store.put_execution_type(trainer_type)
run = store.put_context_type(pb.ContextType(name="pipeline_run"))

examples = pb.Artifact(type_id=data, uri="gs://bucket/examples/1", name="examples")
examples.properties["span"].int_value = 7
examples.custom_properties["sha256"].string_value = "cafe" * 16
[examples.id] = store.put_artifacts([examples])
execution = pb.Execution(type_id=trainer, name="trainer-1", last_known_state=pb.Execution.COMPLETE)
execution.properties["learning_rate"].double_value = 0.05
execution.custom_properties["git_commit"].string_value = "9f1c2e7"
output = pb.Artifact(type_id=model, uri="gs://bucket/model/1", name="model")
inputs = pb.Event(type=pb.Event.INPUT)
inputs.path.steps.add(key="examples")
outputs = pb.Event(type=pb.Event.OUTPUT)
outputs.path.steps.add(key="model")
context = pb.Context(type_id=run, name="run-1")
execution_id, [_, model_id], [context_id] = store.put_execution(
    execution, [(examples, inputs), (output, outputs)], [context]
)
print(examples.id, execution_id, model_id, context_id)
"""
)

READ = (
    PREAMBLE
    + r"""
[examples] = store.get_artifacts_by_id([int(sys.argv[3])])
assert examples.state == pb.Artifact.DELETED, examples
assert examples.custom_properties["mdstore.state"].string_value == "DELETED"
assert examples.custom_properties["mdstore.deletion_reason"].string_value == "leaked PII"
# The lineage it wrote is unchanged for ml-metadata's own reads.
events = store.get_events_by_artifact_ids([examples.id])
assert [e.type for e in events] == [pb.Event.INPUT], events
print("deleted ok")
"""
)


def test_lineage_written_by_ml_metadata_is_traced_and_deletions_show(
    mlmd_python: Path, mdstore_server: tuple[str, int]
) -> None:
    host, port = mdstore_server
    written = mlmd_venv.run_python(WRITE, host, str(port))
    assert written.returncode == 0, written.stdout + written.stderr
    examples, execution, model, context = map(int, written.stdout.split())

    with mdstore_client.connect(f"{host}:{port}") as client:
        trace = client.trace(model)
        assert {a.id for a in trace.artifacts} == {examples, model}
        assert [e.id for e in trace.executions] == [execution]
        assert [c.id for c in trace.contexts] == [context]
        [source] = trace.summary.sources
        assert (source.artifact_id, source.uri, source.digest) == (
            examples,
            "gs://bucket/examples/1",
            "cafe" * 16,
        )
        [step] = trace.summary.steps
        assert (step.type, step.state, step.parameters["learning_rate"]) == (
            "Trainer",
            "COMPLETE",
            0.05,
        )
        assert [(c.property, c.value) for c in trace.summary.code] == [("git_commit", "9f1c2e7")]
        assert [p.artifact_id for p in client.impact(examples).end_products] == [model]

        client.delete("artifact", [examples], reason="leaked PII")

    read = mlmd_venv.run_python(READ, host, str(port), str(examples))
    assert read.returncode == 0, read.stdout + read.stderr
    assert "deleted ok" in read.stdout
