"""Adopting rows no audit entry recorded (a database older than the log, or rows
written with it off): afterwards the log verifies; a changed or inconsistent row
stops the adoption. On SQLite, MariaDB and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from alembic import command
from sqlalchemy import text

from mdstore.cli import main
from mdstore.embedded.store import MetadataStore
from mdstore.errors import FailedPreconditionError, InvalidArgumentError
from mdstore.service.dispatch import Service
from mdstore.service.roles import required_role
from mdstore.store.audit import chain
from mdstore.store.audit import verify as verify_module
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.migrate import alembic_config, upgrade
from mdstore.wire import mlmd, v1
from tests.store.audit.written import head_seq

ADOPT = "AdoptUnrecordedRows"


@pytest.fixture
def unlogged(db_url: str) -> Iterator[MetadataStore]:
    """A store on the same database whose writes get no audit entry."""
    other = Service(db_url, pool_size=1, audit_log=False)
    yield MetadataStore(other)
    other.close()


def _artifacts(store: MetadataStore, type_id: int, count: int, prefix: str) -> list[int]:
    artifacts = []
    for i in range(count):
        artifact = mlmd.Artifact(type_id=type_id, uri=f"s3://{prefix}/{i}")
        artifact.custom_properties["n"].int_value = i
        artifacts.append(artifact)
    return list(store.put_artifacts(artifacts))


def _verify(service: Service) -> v1.VerifyAuditLogResponse:
    return service.call("VerifyAuditLog", v1.VerifyAuditLogRequest())


def _setup(service: Service, unlogged: MetadataStore) -> tuple[int, list[int]]:
    """One logged artifact, then three written with the log off; their type id and ids."""
    logged = MetadataStore(service)
    type_id = logged.put_artifact_type(mlmd.ArtifactType(name="Legacy"))
    _artifacts(logged, type_id, 1, "logged")
    return type_id, _artifacts(unlogged, type_id, 3, "legacy")


def test_unrecorded_rows_are_adopted_and_the_log_verifies(
    service: Service, unlogged: MetadataStore
) -> None:
    _, legacy = _setup(service, unlogged)
    before = _verify(service)
    unrecorded = {p.message for p in before.problems}
    assert not before.ok
    assert unrecorded == {
        f"artifact {i} is recorded by no entry (written around the service)" for i in legacy
    }
    head = head_seq(service)

    answer = service.call(ADOPT, v1.AdoptUnrecordedRowsRequest(), principal="ops")
    assert (answer.adopted, answer.entries) == (3, 1)
    assert dict(answer.tables) == {"artifact": 3}
    after = _verify(service)
    assert after.ok, [p.message for p in after.problems]
    assert after.head_seq == head + 1

    with service.database.engine.connect() as conn:
        entry = list(chain.entries(conn, after=head))[0]
    assert (entry.principal, entry.method) == ("ops", "mdstore.v1.MdstoreService/" + ADOPT)
    affected = json.loads(entry.affected)
    assert affected["nodes"] == sorted(f"artifact:{i}" for i in legacy)
    assert sorted(affected["rows"]) == sorted(f"artifact:{i}" for i in legacy)

    again = service.call(ADOPT, v1.AdoptUnrecordedRowsRequest())
    assert (again.adopted, again.entries) == (0, 0)
    assert head_seq(service) == head + 1


def test_rows_per_entry_splits_the_adoption(service: Service, unlogged: MetadataStore) -> None:
    _setup(service, unlogged)
    head = head_seq(service)
    answer = service.call(ADOPT, v1.AdoptUnrecordedRowsRequest(rows_per_entry=2))
    assert (answer.adopted, answer.entries) == (3, 2)
    assert head_seq(service) == head + 2
    assert _verify(service).ok
    with pytest.raises(InvalidArgumentError, match="rows_per_entry cannot be negative"):
        service.call(ADOPT, v1.AdoptUnrecordedRowsRequest(rows_per_entry=-1))


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        # A recorded row changed around the service.
        ("UPDATE artifact SET uri = 's3://evil' WHERE uri = 's3://logged/0'",
         r"\(entry \d+: artifact \d+: column uri differs"),
        # An unrecorded row whose column contradicts its stored message.
        ("UPDATE artifact SET uri = 's3://evil' WHERE uri = 's3://legacy/0'",
         r"\(artifact \d+: column uri differs"),
        # A recorded row's property removed around the service.
        ("DELETE FROM artifact_property WHERE artifact_id = "
         "(SELECT id FROM artifact WHERE uri = 's3://logged/0')",
         r"\(entry \d+: artifact \d+: its property rows differ"),
    ],
)  # fmt: skip
def test_anything_else_wrong_stops_the_adoption(
    service: Service, unlogged: MetadataStore, statement: str, message: str
) -> None:
    _setup(service, unlogged)
    with service.database.engine.begin() as conn:
        assert conn.execute(text(statement)).rowcount == 1
    head = head_seq(service)
    with pytest.raises(FailedPreconditionError, match=message) as refused:
        service.call(ADOPT, v1.AdoptUnrecordedRowsRequest())
    assert "nothing was adopted" in str(refused.value)
    assert head_seq(service) == head
    assert sum("recorded by no entry" in p.message for p in _verify(service).problems) == 3


def test_a_report_lists_the_earliest_problems_and_counts_them_all(
    service: Service, unlogged: MetadataStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_module, "MAX_LISTED", 4)
    type_id, legacy = _setup(service, unlogged)
    legacy += _artifacts(unlogged, type_id, 7, "more")
    answer = _verify(service)
    assert (answer.problem_count, answer.unrecorded_rows, len(answer.problems)) == (10, 10, 4)
    assert all("recorded by no entry" in p.message for p in answer.problems)
    # A changed recorded row, found after the ten unrecorded ones, is still listed first.
    with service.database.engine.begin() as conn:
        changed = "UPDATE artifact SET uri = 's3://evil' WHERE uri = 's3://logged/0'"
        assert conn.execute(text(changed)).rowcount == 1
    answer = _verify(service)
    assert (answer.problem_count, answer.unrecorded_rows, len(answer.problems)) == (11, 10, 4)
    assert "column uri differs" in answer.problems[0].message
    with pytest.raises(FailedPreconditionError, match="column uri differs"):
        service.call(ADOPT, v1.AdoptUnrecordedRowsRequest())


def test_every_unrecorded_row_is_adopted_past_the_listed_ones(
    service: Service, unlogged: MetadataStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify_module, "MAX_LISTED", 2)
    type_id, legacy = _setup(service, unlogged)
    legacy += _artifacts(unlogged, type_id, 5, "more")
    answer = service.call(ADOPT, v1.AdoptUnrecordedRowsRequest(rows_per_entry=3))
    assert (answer.adopted, answer.entries) == (8, 3)
    assert _verify(service).ok


def test_cli_verify_counts_what_it_does_not_list(
    service: Service,
    unlogged: MetadataStore,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(verify_module, "MAX_LISTED", 2)
    _setup(service, unlogged)
    assert main(["audit", "verify", "--db", db_url]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("audit log does NOT verify; first failure at a row outside the log")
    assert out[-2:] == [
        "  … and 1 more",
        "  3 rows recorded by no entry: `mdstore audit adopt` records them as they are",
    ]


def test_adopting_needs_the_admin_role() -> None:
    assert required_role(f"mdstore.v1.MdstoreService/{ADOPT}") == "admin"


def test_cli_audit_adopt(
    service: Service, unlogged: MetadataStore, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _setup(service, unlogged)
    assert main(["audit", "verify", "--db", db_url]) == 1
    capsys.readouterr()
    assert main(["audit", "adopt", "--db", db_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["adopted 3 unrecorded rows in 1 audit entry:", f"  {'artifact':<20} {3:>12,}"]
    assert main(["audit", "adopt", "--db", db_url]) == 0
    assert capsys.readouterr().out == "no unrecorded rows: nothing to adopt\n"
    assert main(["audit", "verify", "--db", db_url]) == 0


def test_a_database_from_before_the_audit_log_is_adopted(
    backend_name: str, fresh_database: Callable[[str, str], str]
) -> None:
    # Rows written at schema 0007 (no log), then the upgrade that adds the log.
    url = fresh_database(backend_name, "preaudit")
    engine = create_db_engine(url, pool_size=1)
    try:
        upgrade(engine)
        writer = Service(url, pool_size=1)
        legacy = MetadataStore(writer)
        type_id = legacy.put_artifact_type(mlmd.ArtifactType(name="Old"))
        ids = _artifacts(legacy, type_id, 2, "old")
        writer.close()
        with engine.begin() as conn:
            config = alembic_config(engine)
            config.attributes["connection"] = conn
            command.downgrade(config, "0007")
        upgrade(engine)
    finally:
        engine.dispose()
    service = Service(url, pool_size=1)
    try:
        assert not _verify(service).ok
        answer = service.call(ADOPT, v1.AdoptUnrecordedRowsRequest())
        # The type (with its property rows) and the two artifacts.
        assert dict(answer.tables) == {"type": 1, "artifact": 2}
        assert answer.entries == 1
        after = _verify(service)
        assert after.ok, [p.message for p in after.problems]
        assert (after.entries, after.head_seq) == (1, 1)
        [entry] = service.call("GetAuditEntries", v1.GetAuditEntriesRequest()).entries
        assert json.loads(entry.affected_json)["nodes"] == sorted(f"artifact:{i}" for i in ids)
    finally:
        service.close()
