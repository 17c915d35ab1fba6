"""client.run(): one atomic PutExecution per block, COMPLETE or FAILED, nothing half-written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from mdstore.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from mdstore.wire import mlmd
from mdstore_client import Artifact, EventType, ExecutionState
from mdstore_client.client import Client
from tests.helpers.clients import RecordingTransport


def _all(client: Client, what: str) -> list[object]:
    request = getattr(mlmd, f"Get{what.capitalize()}Request")()
    return list(getattr(client.call(f"Get{what.capitalize()}", request), what))


def _source(client: Client, tmp_path: Path) -> Artifact:
    data = tmp_path / "churn.csv"
    data.write_text("id,churned\n1,0\n2,1\n")
    return client.put_artifact("Dataset", uri=data.as_uri(), name="churn", properties={"rows": 2})


def test_a_run_is_one_put_execution(
    declared: Client, calls: RecordingTransport, tmp_path: Path
) -> None:
    data = _source(declared, tmp_path)
    model_file = tmp_path / "m.pkl"
    calls.clear()
    with declared.run("trainer", pipeline="churn", run="2026-11-23", params={"lr": 0.01}) as run:
        writes_before_block_body = calls.writes()
        calls.clear()
        assert run.input(data) is data
        run.input(data.id)  # type: ignore[arg-type]  # the same input again: recorded once
        model = run.output("Model", uri=model_file.as_uri(), properties={"auc": 0.91}, key="model")
        model_file.write_bytes(b"weights")  # written after output(): digested at the end
        assert model.id is None
        assert calls.writes() == []
    assert calls.writes() == ["PutExecution"]
    assert set(writes_before_block_body) <= {"PutExecutionType", "PutContextType"}

    assert run.execution is not None
    assert run.execution.state is ExecutionState.COMPLETE
    assert model.id is not None
    assert model.sha256 == hashlib.sha256(b"weights").hexdigest()
    stored = declared.execution(run.execution.id)  # type: ignore[arg-type]
    assert stored.state is ExecutionState.COMPLETE
    assert stored.properties == {"lr": 0.01}
    assert stored.custom_properties["duration_seconds"] >= 0
    assert [a.id for a in declared.inputs(stored)] == [data.id]
    [output] = declared.outputs(stored)
    assert (output.id, output.properties, output.sha256) == (model.id, {"auc": 0.91}, model.sha256)
    events = {e.type: e for e in declared.events(execution=stored)}
    assert events[EventType.OUTPUT].path == ["model"]
    assert events[EventType.INPUT].path == []
    assert [(c.type, c.name) for c in run.contexts] == [
        ("pipeline", "churn"),
        ("pipeline_run", "churn/2026-11-23"),
    ]
    assert declared.context("pipeline_run", "churn/2026-11-23").properties == {
        "pipeline": "churn",
        "run_id": "2026-11-23",
    }


def test_contexts_are_reused_across_runs(declared: Client, tmp_path: Path) -> None:
    data = _source(declared, tmp_path)
    for step in ("validate", "train"):
        with declared.run(step, pipeline="churn", run="r1") as run:
            run.input(data)
            run.output("Dataset", uri=f"s3://b/{step}")
    with declared.run("train", pipeline="churn", run="r2"):
        pass
    assert sorted((c.type, c.name) for c in declared.contexts()) == [
        ("pipeline", "churn"),
        ("pipeline_run", "churn/r1"),
        ("pipeline_run", "churn/r2"),
    ]
    members = declared.members(declared.context("pipeline_run", "churn/r1"))
    assert [x.type for x in members.executions] == ["validate", "train"]
    assert sorted(a.uri or "" for a in members.artifacts) == sorted(
        [data.uri or "", "s3://b/validate", "s3://b/train"]
    )
    assert len(declared.members(declared.context("pipeline", "churn")).executions) == 3
    assert [c.name for c in declared.contexts_of(members.executions[0])] == ["churn", "churn/r1"]


def test_a_failing_block_records_a_failed_execution_without_outputs(
    declared: Client, calls: RecordingTransport, tmp_path: Path
) -> None:
    data = _source(declared, tmp_path)
    calls.clear()
    run = declared.run("trainer", pipeline="churn", run="r1", params={"lr": 0.1})

    def block() -> None:
        with run:
            run.input(data)
            run.output("Model", uri="s3://b/half-written-model")
            _ = 1 / 0

    with pytest.raises(ZeroDivisionError, match="division by zero"):
        block()
    assert calls.writes().count("PutExecution") == 1
    assert run.execution is not None
    assert run.execution.state is ExecutionState.FAILED
    stored = declared.execution(run.execution.id)  # type: ignore[arg-type]
    assert stored.state is ExecutionState.FAILED
    assert stored.custom_properties["error"] == "ZeroDivisionError: division by zero"
    assert [a.id for a in declared.inputs(stored)] == [data.id]
    assert declared.outputs(stored) == []
    assert list(declared.artifacts("Model")) == []


def test_wrong_output_property_fails_at_the_line_and_records_the_error(
    declared: Client, tmp_path: Path
) -> None:
    data = _source(declared, tmp_path)

    def block() -> None:
        with declared.run("trainer") as run:
            run.input(data)
            run.output("Model", uri="s3://m", properties={"auc": "high"})

    message = r"property 'auc' of artifact type 'Model' is declared DOUBLE; got str 'high'"
    with pytest.raises(InvalidArgumentError, match=message):
        block()
    [failed] = declared.executions("trainer")
    assert failed.state is ExecutionState.FAILED
    assert "declared DOUBLE; got str 'high'" in str(failed.custom_properties["error"])
    assert list(declared.artifacts("Model")) == []


def test_unknown_output_type_is_named(declared: Client) -> None:
    run = declared.run("trainer")
    with run, pytest.raises(NotFoundError, match="unknown artifact type 'Modle'"):
        run.output("Modle", uri="s3://m")


def test_a_rejected_put_execution_leaves_nothing(declared: Client) -> None:
    declared.put_artifact("Model", uri="s3://old", name="champion")
    run = declared.run("trainer", pipeline="churn", run="r1", params={"lr": 0.1})

    def block() -> None:
        with run:
            run.output("Model", uri="s3://new", name="first")
            run.output("Model", uri="s3://new", name="champion")  # taken: the store refuses

    with pytest.raises(AlreadyExistsError):
        block()
    assert run.execution is None
    assert _all(declared, "executions") == []
    assert _all(declared, "contexts") == []
    assert [a.uri for a in declared.artifacts()] == ["s3://old"]


def test_params_must_fit_the_declared_step_type(declared: Client) -> None:
    declared.execution_type("trainer", properties={"lr": float, "epochs": int})
    run = declared.run("trainer", params={"lr": 1, "epochs": 2.5})
    message = r"property 'epochs' of execution type 'trainer' is declared INT; got float 2.5"
    with pytest.raises(InvalidArgumentError, match=message):
        run.__enter__()  # the block would not run
    with pytest.raises(InvalidArgumentError, match="param 'layers' of step 'trainer': a list"):
        declared.run("trainer", params={"layers": [1, 2]})
    assert _all(declared, "executions") == []
    with declared.run("trainer", params={"lr": 1, "epochs": 2, "optimizer": "adam"}) as run:
        pass  # an int fits DOUBLE; a new param extends the type
    assert run.execution is not None
    assert declared.execution(run.execution.id).properties == {  # type: ignore[arg-type]
        "lr": 1.0,
        "epochs": 2,
        "optimizer": "adam",
    }


def test_inputs_must_be_stored(declared: Client) -> None:
    with declared.run("trainer") as run:
        with pytest.raises(InvalidArgumentError, match="needs a stored artifact"):
            run.input(Artifact(type="Dataset", uri="s3://never-saved"))
        with pytest.raises(NotFoundError, match="no artifact with id 12345"):
            run.input(12345)
    assert run.inputs == []


def test_keyboard_interrupt_is_recorded_as_canceled(declared: Client) -> None:
    run = declared.run("trainer")

    def block() -> None:
        with run:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        block()
    assert run.execution is not None
    assert declared.execution(run.execution.id).state is ExecutionState.CANCELED  # type: ignore[arg-type]
