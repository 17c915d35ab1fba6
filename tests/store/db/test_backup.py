"""``db backup`` / ``db restore``: a backup taken while writes go on restores to a
store whose audit log verifies (every row checked against the chain); SQLite ->
PostgreSQL -> SQLite keeps every row; refusals are clear."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from mdstore.cli import main
from mdstore.embedded.store import MetadataStore
from mdstore.errors import FailedPreconditionError, InvalidArgumentError
from mdstore.service.dispatch import Service
from mdstore.store.db import schema
from mdstore.store.db.backup import backup, restore
from mdstore.wire import v1
from tests.helpers.training import train


def _verified(url: str) -> v1.VerifyAuditLogResponse:
    service = Service(url, create_if_empty=False)
    try:
        return service.call("VerifyAuditLog", v1.VerifyAuditLogRequest())
    finally:
        service.close()


def test_a_backup_taken_during_writes_restores_and_verifies(
    service: Service, db_url: str, tmp_path: Path
) -> None:
    store = MetadataStore(service)
    train(store)
    stop, errors = threading.Event(), []

    def keep_writing() -> None:
        try:
            while not stop.is_set():
                train(store, lr="0.3")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        copied = backup(db_url, tmp_path / "during.sqlite")
    finally:
        stop.set()
        writer.join()
    assert errors == []
    target = f"sqlite:///{tmp_path}/restored.db"
    restored = restore(tmp_path / "during.sqlite", target)
    assert restored.rows == copied.rows
    assert copied.rows["artifact"] >= 4
    answer = _verified(target)
    assert answer.ok, [p.message for p in answer.problems]
    assert answer.entries == copied.rows["audit_entry"]


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: sorted(db.execute(f"SELECT * FROM {n}").fetchall(), key=repr) for n in names}


def test_sqlite_to_postgresql_and_back_keeps_every_row(
    tmp_path: Path, fresh_database: Callable[[str, str], str]
) -> None:
    source = f"sqlite:///{tmp_path}/source.db"
    with MetadataStore(source) as store:
        models = [train(store), train(store, accuracy=0.95)]
        store.create_registered_model("churn", v1.ModelPolicy(metric="accuracy"))
        for model in models:
            store.register_model_version("churn", model)
        store.delete_artifacts([models[0]], reason="superseded")
    backup(source, tmp_path / "one.sqlite")
    postgres = fresh_database("postgres", "roundtrip")
    restore(tmp_path / "one.sqlite", postgres)
    assert _verified(postgres).ok
    backup(postgres, tmp_path / "two.sqlite")
    one, two = _rows(tmp_path / "one.sqlite"), _rows(tmp_path / "two.sqlite")
    assert one.keys() == two.keys()
    for table in one:
        assert one[table] == two[table], table
    with MetadataStore(postgres) as store:  # ids continue past the restored ones
        assert train(store) > max(models)
    assert _verified(postgres).ok


def test_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    with MetadataStore(url) as store:
        train(store)
    backup(url, tmp_path / "a.sqlite")
    with pytest.raises(InvalidArgumentError, match="never overwrites"):
        backup(url, tmp_path / "a.sqlite")
    with pytest.raises(FailedPreconditionError, match="holds data"):
        restore(tmp_path / "a.sqlite", url)
    (tmp_path / "junk").write_text("not a database")
    with pytest.raises(InvalidArgumentError, match="is not an mdstore backup"):
        restore(tmp_path / "junk", f"sqlite:///{tmp_path}/b.db")
    assert (
        main(["db", "restore", str(tmp_path / "none"), "--db", f"sqlite:///{tmp_path}/c.db"]) == 1
    )
    assert capsys.readouterr().err == f"mdstore: error: no backup file at {tmp_path / 'none'}\n"
    assert main(["db", "backup", "--db", url, "-o", str(tmp_path / "cli.sqlite")]) == 0
    tables = len(schema.metadata.sorted_tables)
    assert f"rows in {tables} tables" in capsys.readouterr().out
