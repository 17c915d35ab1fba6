"""The importer's rules on a small hand-made MLMD database: what it refuses, what
it keeps, and that its rows are covered by the audit log like any write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from mdstore.errors import FailedPreconditionError
from mdstore.service.dispatch import Service
from mdstore.store import Database
from mdstore.store.audit.verify import verify
from mdstore.store.mlmd_import.run import import_mlmd
from mdstore.wire import mlmd, v1
from tests.store.mlmd_import.mlmd_schema import make_mlmd_database


def test_import_keeps_ids_times_and_links(tmp_path: Path) -> None:
    source = make_mlmd_database(tmp_path / "mlmd.db")
    target = Database(f"sqlite:///{tmp_path}/md.db")
    report = import_mlmd(source, target)
    assert report.ok
    assert ("artifacts", 3, 3) in report.counts
    assert ("types", 3, 3) in report.counts
    service = Service(target)
    [data] = service.call(
        "GetArtifactsByID", mlmd.GetArtifactsByIDRequest(artifact_ids=[2])
    ).artifacts
    assert (data.uri, data.properties["rows"].int_value, data.type) == ("s3://data/2", 20, "Data")
    [data_type] = service.call("GetArtifactTypes", mlmd.GetArtifactTypesRequest()).artifact_types
    assert data_type.base_type == 1  # DATASET, from the ParentType link to mlmd.Dataset
    [event] = service.call(
        "GetEventsByExecutionIDs", mlmd.GetEventsByExecutionIDsRequest(execution_ids=[1])
    ).events
    assert event.path.steps[0].key == "train"
    # As of before the run, the lineage did not exist yet; the link's time is the run's.
    trace = v1.TraceRequest(
        node=v1.NodeRef(kind=2, id=1), options=v1.WalkOptions(as_of_millis=1999)
    )
    with pytest.raises(Exception, match="did not exist|no execution"):
        service.call("Trace", trace)
    with target.engine.connect() as conn:
        assert verify(conn).ok
        entries = conn.execute(text("SELECT method, principal FROM audit_entry")).all()
    assert {tuple(e) for e in entries} == {("mdstore/ImportMlmd", "import-mlmd")}


def test_refuses_another_schema_version(tmp_path: Path) -> None:
    source = make_mlmd_database(tmp_path / "old.db", schema_version=8)
    with pytest.raises(
        FailedPreconditionError, match="schema is version 8; import-mlmd reads version 10"
    ):
        import_mlmd(source, Database(f"sqlite:///{tmp_path}/md.db"))


def test_refuses_a_database_that_is_not_mlmd(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "other.db") as db:
        db.execute("CREATE TABLE things (id INT)")
    with pytest.raises(FailedPreconditionError, match="not an ML Metadata database: no table Type"):
        import_mlmd(f"sqlite:///{tmp_path}/other.db", Database(f"sqlite:///{tmp_path}/md.db"))


def test_refuses_a_target_holding_other_data(tmp_path: Path) -> None:
    source = make_mlmd_database(tmp_path / "mlmd.db")
    target_url = f"sqlite:///{tmp_path}/md.db"
    service = Service(target_url)
    service.call(
        "PutArtifactType", mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType(name="Mine"))
    )
    with pytest.raises(FailedPreconditionError, match="already holds data"):
        import_mlmd(source, service.database)
    other = make_mlmd_database(tmp_path / "other.db", artifacts=5)
    fresh = Database(f"sqlite:///{tmp_path}/fresh.db")
    import_mlmd(source, fresh)
    with pytest.raises(FailedPreconditionError, match="finished import of this database"):
        import_mlmd(source, fresh)
    with sqlite3.connect(tmp_path / "other.db") as db:
        db.execute("INSERT INTO Type (id, name, type_kind) VALUES (9, 'Extra', 1)")
    with pytest.raises(FailedPreconditionError, match="import of another database"):
        import_mlmd(other, fresh)


def test_the_source_is_opened_read_only(tmp_path: Path) -> None:
    path = tmp_path / "mlmd.db"
    source = make_mlmd_database(path)
    before = path.read_bytes()
    import_mlmd(source, Database(f"sqlite:///{tmp_path}/md.db"))
    assert path.read_bytes() == before


def test_a_changed_import_record_fails_verify(tmp_path: Path) -> None:
    target = Database(f"sqlite:///{tmp_path}/md.db")
    import_mlmd(make_mlmd_database(tmp_path / "mlmd.db"), target)
    with target.engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(text("UPDATE mlmd_import SET source = 'elsewhere'"))
        first = verify(conn).first()
        transaction.rollback()
    assert first is not None
    assert first.message.endswith("mlmd import 1 differs from what the entry recorded")


def test_an_unreadable_source_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mdstore.cli import main

    target = f"sqlite:///{tmp_path}/md.db"
    assert main(["import-mlmd", "--from", f"sqlite:///{tmp_path}/none/x.db", "--db", target]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == "mdstore: error: cannot read the ML Metadata database: unable to open database file\n"
    )
