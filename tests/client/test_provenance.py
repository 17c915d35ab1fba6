"""The client's provenance calls beyond what the CLI tests cover (tests/test_cli_lineage.py
runs every question through the client, embedded and over gRPC)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import mdstore_client
from mdstore_client.provenance_calls import to_millis


def test_times_are_milliseconds_and_naive_datetimes_are_utc() -> None:
    moment = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)
    assert to_millis(moment) == 1_796_292_000_000
    assert to_millis(moment.replace(tzinfo=None)) == 1_796_292_000_000
    assert to_millis(moment.astimezone(timezone(timedelta(hours=2)))) == 1_796_292_000_000
    assert to_millis(5) == 5
    assert to_millis(None) is None


def test_trace_and_delete_with_models(tmp_path: object) -> None:
    client = mdstore_client.connect(f"sqlite:///{tmp_path}/c.db")
    client.artifact_type("Data")
    client.artifact_type("Model")
    data = client.put_artifact("Data", uri="s3://data")
    with client.run("train", pipeline="p", run="r1", params={"lr": 0.1}) as run:
        run.input(data)
        model = run.output("Model", uri="s3://model")
    trace = client.trace(model)
    assert [s.artifact_id for s in trace.summary.sources] == [data.id]
    assert trace.summary.steps[0].parameters["lr"] == 0.1
    assert client.impact(data).end_products[0].artifact_id == model.id
    assert client.lineage_path(data, model).chains[0][0].id == data.id
    assert client.diff(model, model).is_empty()
    [stone] = client.delete("artifact", [data], reason="bad")
    assert (stone.kind, stone.id, stone.reason) == ("artifact", data.id, "bad")
    assert client.trace(model).tombstones == [stone]
    with pytest.raises(mdstore_client.InvalidArgumentError):
        client.delete("model", [1], reason="x")
    assert [n.id for n in client.garbage_collect(datetime(2100, 1, 1))] == [data.id]
    client.close()
