"""The client's audit calls, embedded and over gRPC (``client`` runs both ways)."""

from __future__ import annotations

import sqlite3

import mdstore_client


def _pipeline(client: mdstore_client.Client) -> tuple[object, object]:
    client.artifact_type("Data")
    client.artifact_type("Model")
    data = client.put_artifact("Data", uri="s3://data")
    with client.run("train", pipeline="p", run="r1", params={"lr": 0.1}) as run:
        run.input(data)
        model = run.output("Model", uri="s3://model")
    return data, model


def test_a_clean_store_verifies_and_lists_its_writes(client: mdstore_client.Client) -> None:
    data, model = _pipeline(client)
    report = client.verify_audit_log()
    assert report.ok
    assert report.problems == []
    assert report.entries == report.head_seq >= 4  # two types, an artifact, an execution
    every = client.audit_log()
    assert [e.seq for e in every] == list(range(1, report.entries + 1))
    assert all(
        later.prev_hash == earlier.hash for earlier, later in zip(every, every[1:], strict=False)
    )
    touching = client.audit_log(model)
    assert [e.method.rsplit("/", 1)[1] for e in touching] == ["PutExecution"]
    assert f"artifact:{model.id}" in touching[0].rows  # type: ignore[attr-defined]
    assert len(client.audit_log(artifact_ids=(data.id,))) == 2  # put, then read by the run  # type: ignore[attr-defined]


def test_a_changed_row_is_reported(tmp_path: object) -> None:
    path = f"{tmp_path}/audit.db"
    client = mdstore_client.connect(f"sqlite:///{path}")
    data, _ = _pipeline(client)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE artifact SET uri = 's3://other' WHERE id = ?", (data.id,))  # type: ignore[attr-defined]
    report = client.verify_audit_log()
    assert not report.ok
    assert report.problems[0].message.endswith("column uri differs from its stored message")
    assert report.problems[0].seq is not None
