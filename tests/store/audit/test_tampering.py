"""Changing one row of any table in SQL makes ``audit verify`` fail at the entry
that wrote it; the untouched store verifies. On SQLite, MariaDB and PostgreSQL.

Each tamper runs in a transaction that ``verify`` reads inside and that is then
rolled back, so one store serves every table.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from mdstore.service.dispatch import Service
from mdstore.store.audit.verify import verify
from mdstore.store.db import schema
from mdstore.wire import v1
from tests.store.audit.written import Written, write_everything

# table -> (an UPDATE changing one column of one row, the request that last wrote it)
TAMPERS = {
    "type": ("UPDATE type SET description = 'evil' WHERE id = {data_type}", "types"),
    "type_property": (
        "UPDATE type_property SET data_type = 3 WHERE type_id = {data_type}",
        "types",
    ),
    "artifact": ("UPDATE artifact SET uri = 's3://evil' WHERE id = {data}", "update"),
    "artifact_property": (
        "UPDATE artifact_property SET int_value = 99 WHERE artifact_id = {data}",
        "update",
    ),
    "execution": (
        "UPDATE execution SET last_known_state = 4 WHERE id = {execution}",
        "put_execution",
    ),
    "execution_property": (
        "UPDATE execution_property SET string_value = '9' WHERE execution_id = {execution}",
        "put_execution",
    ),
    "context": ("UPDATE context SET name = 'evil' WHERE id = {run}", "put_execution"),
    "context_property": (
        "UPDATE context_property SET string_value = 'eve' WHERE context_id = {run}",
        "put_execution",
    ),
    "event": (
        "UPDATE event SET milliseconds_since_epoch = 1 WHERE artifact_id = {data}",
        "put_execution",
    ),
    "event_path": ("UPDATE event_path SET step_key = 'evil'", "put_execution"),
    "attribution": (
        "UPDATE attribution SET recorded_at = 1 WHERE context_id = {run}",
        "put_execution",
    ),
    "association": (
        "UPDATE association SET recorded_at = 1 WHERE context_id = {run}",
        "put_execution",
    ),
    "parent_context": (
        "UPDATE parent_context SET parent_context_id = {other} WHERE context_id = {run}",
        "parent_context",
    ),
    "node_history": (
        "UPDATE node_history SET valid_to = 1 WHERE kind = 1 AND node_id = {data}",
        "update",
    ),
    "tombstone": ("UPDATE tombstone SET reason = 'evil'", "delete"),
    "registered_model": ("UPDATE registered_model SET description = 'evil'", "create_model"),
    "model_policy": ("UPDATE model_policy SET reason = 'evil' WHERE sequence = 2", "set_policy"),
    "model_version": ("UPDATE model_version SET override_reason = 'evil'", "register"),
    "alias_change": ("UPDATE alias_change SET reason = 'evil'", "alias"),
    "deployment": ("UPDATE deployment SET reason = 'evil'", "deploy"),
    "annotation": ("UPDATE annotation SET text = 'evil'", "annotate"),
    "audit_entry": ("UPDATE audit_entry SET method = 'evil' WHERE seq = 3", ""),
}


def test_every_table_has_a_tamper() -> None:
    # The head is checked by the chain walk; an import's record by the import tests
    # (tests/store/mlmd_import), which need an MLMD database to write it.
    tables = {t.name for t in schema.metadata.sorted_tables} - {"audit_head", "mlmd_import"}
    assert set(TAMPERS) == tables


@pytest.fixture
def written(service: Service) -> Written:
    return write_everything(service)


def test_the_untouched_store_verifies(service: Service, written: Written) -> None:
    answer = service.call("VerifyAuditLog", v1.VerifyAuditLogRequest())
    assert answer.ok, [p.message for p in answer.problems]
    assert answer.head_seq == answer.entries == max(written.seq.values())
    assert answer.rows > 40


def _first_problem(service: Service, statement: str) -> tuple[int | None, str]:
    with service.database.engine.connect() as conn:
        transaction = conn.begin()
        try:
            changed = conn.execute(text(statement)).rowcount
            assert changed >= 1, f"the tamper changed nothing: {statement}"
            report = verify(conn)
        finally:
            transaction.rollback()
    first = report.first()
    assert first is not None, f"verify passed after: {statement}"
    return first.seq, first.message


def test_changing_any_row_fails_at_the_entry_that_wrote_it(
    service: Service, written: Written
) -> None:
    wrong = []
    for table, (template, request) in TAMPERS.items():
        expected = written.seq[request] if request else 3
        seq, message = _first_problem(service, template.format(**written.ids))
        if seq != expected:
            wrong.append(f"{table}: failed at {seq} ({message}), not at {expected}")
    assert wrong == []
    with service.database.engine.connect() as conn:
        assert verify(conn).ok  # every tamper was rolled back


def test_removed_rows_and_entries_are_named(service: Service, written: Written) -> None:
    last = max(written.seq.values())
    seq, message = _first_problem(service, f"DELETE FROM audit_entry WHERE seq = {last}")
    assert (seq, "chain ends at entry") == (last, message[message.index("chain ends") :][:19])
    seq, message = _first_problem(service, "DELETE FROM audit_entry WHERE seq = 4")
    assert seq == 5
    assert "entry 4 is missing" in message
    seq, message = _first_problem(service, "DELETE FROM annotation")
    assert seq == written.seq["annotate"]
    assert "is gone" in message


def test_a_row_written_around_the_service_is_named(service: Service, written: Written) -> None:
    other, run = written.ids["other"], written.ids["run"]
    statement = f"INSERT INTO parent_context VALUES ({run}, {other})"
    seq, message = _first_problem(service, statement)
    assert seq is None
    assert (
        message
        == f"parent context {run}/{other} is recorded by no entry (written around the service)"
    )


def test_a_failed_write_leaves_no_entry(service: Service, written: Written) -> None:
    before = service.call("VerifyAuditLog", v1.VerifyAuditLogRequest()).head_seq
    bad = v1.DeleteRequest(kind=1, ids=[10**9], reason="nope")
    with pytest.raises(Exception, match="no artifact"):
        service.call("Delete", bad)
    after = service.call("VerifyAuditLog", v1.VerifyAuditLogRequest())
    assert after.ok
    assert after.head_seq == before
