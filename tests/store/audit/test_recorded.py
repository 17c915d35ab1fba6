"""The on-disk store of what the audit chain recorded (``RecordedRows``)."""

from __future__ import annotations

import os

from mdstore.store.audit import recorded as recorded_module
from mdstore.store.audit.recorded import RecordedRows


def test_the_last_entry_wins_and_taken_rows_leave(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(recorded_module, "_FLUSH", 2)  # some entries flushed, some pending
    with RecordedRows() as recorded:
        recorded.record(1, {"artifact:1": "a1", "artifact:2": "a2"})
        recorded.record(2, {"artifact:1": "b1", "event:7": "e7"})
        recorded.record(3, {"context:4": "c4"})
        assert recorded.take(["artifact:1", "artifact:9"]) == {"artifact:1": (2, "b1")}
        assert recorded.take(["artifact:1"]) == {}  # taken once only
        assert list(recorded.left()) == [("artifact:2", 1), ("event:7", 2), ("context:4", 3)]


def test_lookups_span_several_statements(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(recorded_module, "_LOOKUP", 3)
    with RecordedRows() as recorded:
        recorded.record(1, {f"event:{i}": f"d{i}" for i in range(10)})
        found = recorded.take([f"event:{i}" for i in range(0, 10, 2)])
        assert found == {f"event:{i}": (1, f"d{i}") for i in range(0, 10, 2)}
        assert [key for key, _ in recorded.left()] == sorted(f"event:{i}" for i in range(1, 10, 2))


def test_unrecorded_rows_come_back_in_key_order_in_batches() -> None:
    with RecordedRows() as recorded:
        recorded.add_unrecorded([("event:2", "x"), ("artifact:3", "y")])
        recorded.add_unrecorded([("artifact:10", "z")])
        assert recorded.unrecorded_count == 3
        assert list(recorded.unrecorded(2)) == [
            {"artifact:10": "z", "artifact:3": "y"},
            {"event:2": "x"},
        ]


def test_the_file_is_removed_on_exit() -> None:
    with RecordedRows() as recorded:
        path = recorded._path
        assert os.path.exists(path)
    assert not os.path.exists(path)
