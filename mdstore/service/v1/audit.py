"""``mdstore.v1`` VerifyAuditLog, GetAuditEntries and AdoptUnrecordedRows: the audit
chain, checked, read, and extended over rows written without it."""

from __future__ import annotations

from itertools import islice
from typing import Any

from mdstore.errors import InvalidArgumentError
from mdstore.service.v1.requests import node_kind
from mdstore.store import Transaction
from mdstore.store.audit import chain
from mdstore.store.audit.adopt import adopt
from mdstore.store.audit.digests import sha256_hex
from mdstore.store.audit.verify import verify
from mdstore.store.driver import execute
from mdstore.wire import MDSTORE_SERVICE, v1

MAX_PAGE = 1000
MAX_ADOPTED = 100_000  # rows per entry: an entry's JSON stays a few megabytes


def verify_audit_log(conn: Transaction, _request: Any) -> Any:
    """VerifyAuditLog: walks the chain and every audited row, in one snapshot."""
    if conn.dialect.name != "sqlite":
        # Writers commit meanwhile: the chain and the rows must be read as of one moment.
        execute(conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    report = verify(conn)
    head_seq, head_hash = report.head or (0, "")
    return v1.VerifyAuditLogResponse(
        ok=report.ok,
        entries=report.entries,
        rows=report.rows,
        head_seq=head_seq,
        head_hash=head_hash,
        problems=[v1.AuditProblem(seq=p.seq, message=p.message) for p in report.problems],
        problem_count=report.problem_count,
        unrecorded_rows=report.unrecorded_count,
    )


def get_audit_entries(conn: Transaction, request: Any) -> Any:
    """GetAuditEntries: entries after ``after_seq``, all or those touching the nodes."""
    if request.page_size < 0 or request.after_seq < 0:
        raise InvalidArgumentError("page_size and after_seq must not be negative")
    size = min(request.page_size or MAX_PAGE, MAX_PAGE)
    keys = [f"{node_kind(n.kind, contexts=True).label}:{n.id}" for n in request.nodes]
    if keys:
        found = [e for e in chain.entries_touching(conn, keys) if e.seq > request.after_seq]
    else:
        found = list(islice(chain.entries(conn, after=request.after_seq, batch=size + 1), size + 1))
    head_seq, head_hash = chain.head(conn) or (0, "")
    response = v1.GetAuditEntriesResponse(
        entries=[_message(e) for e in found[:size]], head_seq=head_seq, head_hash=head_hash
    )
    if len(found) > size:
        response.next_after_seq = found[size - 1].seq
    return response


def _message(entry: chain.Entry) -> Any:
    return v1.AuditEntry(
        seq=entry.seq,
        recorded_at_millis=entry.recorded_at,
        principal=entry.principal,
        method=entry.method,
        request_digest=entry.request_digest,
        affected_json=entry.affected,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


def adopt_unrecorded_rows(conn: Transaction, request: Any) -> Any:
    """AdoptUnrecordedRows: entries recording the rows no entry recorded.

    Registered as a write the dispatcher does not audit: it appends its own
    entries, one per ``rows_per_entry`` rows, in its transaction.
    """
    if request.rows_per_entry < 0:
        raise InvalidArgumentError(f"rows_per_entry cannot be negative: {request.rows_per_entry}")
    adoption = adopt(
        conn,
        min(request.rows_per_entry or MAX_ADOPTED, MAX_ADOPTED),
        method=f"{MDSTORE_SERVICE}/AdoptUnrecordedRows",
        request_digest=sha256_hex(request.SerializeToString(deterministic=True)),
    )
    return v1.AdoptUnrecordedRowsResponse(
        adopted=adoption.adopted, entries=adoption.entries, tables=dict(adoption.tables)
    )
