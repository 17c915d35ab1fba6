"""The client's provenance calls beyond what the CLI tests cover (tests/test_cli_lineage.py
runs every question through the client, embedded and over gRPC)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import mdstore_client
from mdstore_client.provenance import Change, LineageDiff, contrast
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


def test_a_diff_line_shows_where_two_long_values_differ() -> None:
    old = "file:///tmp/mdstore-demo-x1/source/breast_cancer_v1.csv"
    new = "file:///tmp/mdstore-demo-x1/source/breast_cancer_v2.csv"
    change = Change(kind="source", role="Model/train/Data", name="uri", old=old, new=new)
    [line] = LineageDiff(sources=[change]).render().splitlines()
    shown_old, shown_new = line.removeprefix("~ source uri: ").split("  (at")[0].split(" → ")
    assert (shown_old[0], shown_new[0]) == ("…", "…")  # the shared directory elided
    assert shown_old.endswith("/breast_cancer_v1.csv'")
    assert shown_new.endswith("/breast_cancer_v2.csv'")


def test_contrast_keeps_short_values_and_cuts_long_ones_to_the_width() -> None:
    assert contrast(0.01, 1.0) == ("0.01", "1.0")
    schema = {"columns": ["a"] * 30, "target": "y"}
    old, new = contrast(schema, {**schema, "target": "z"}, width=40)
    assert len(old) == len(new) == 40
    assert old[0] == "…"
    assert old.endswith("'target': 'y'}")
    assert new.endswith("'target': 'z'}")
    # Nothing shared: both cut from the start.
    old, new = contrast("x" * 60, "y" * 60, width=20)
    assert (old, new) == ("'" + "x" * 18 + "…", "'" + "y" * 18 + "…")
