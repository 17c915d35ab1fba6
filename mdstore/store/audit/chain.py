"""Appending to the audit chain, and reading entries back.

An entry is appended at the end of its request's transaction: the head row is
locked (``SELECT ... FOR UPDATE`` on MySQL and PostgreSQL; SQLite has one writer
at a time anyway), the entry takes the next number and the head's hash as its
previous hash, and the head moves to it. The lock is held from there to the
commit only, so concurrent writers overlap in everything but that last step,
and the entries of several servers on one database form one chain, without
forks or gaps. A request that rolls back leaves no entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import or_, select

from mdstore.errors import FailedPreconditionError
from mdstore.store.audit.digests import canonical_json, entry_hash
from mdstore.store.audit.journal import Journal, close_journal, open_journal
from mdstore.store.audit.rows import SPECS, spec_digests
from mdstore.store.db import clock, schema
from mdstore.store.db.audit_schema import HEAD_ID
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import batches, execute_many, fetch

T = TypeVar("T")
ENTRY = schema.audit_entry_table
HEAD = schema.audit_head_table
ENTRY_COLUMNS = tuple(c.name for c in ENTRY.columns)

_INSERT = (
    f"INSERT INTO {ENTRY.name} ({', '.join(ENTRY_COLUMNS)}) VALUES "
    f"({', '.join(['{}'] * len(ENTRY_COLUMNS))})"
)
_MOVE_HEAD = f"UPDATE {HEAD.name} SET seq = {{}}, hash = {{}} WHERE id = {HEAD_ID}"
_HEAD = f"SELECT seq, hash FROM {HEAD.name} WHERE id = {HEAD_ID}"


@dataclass(frozen=True)
class Entry:
    """One audit entry, as stored."""

    seq: int
    recorded_at: int
    principal: str
    method: str
    request_digest: str
    affected: str  # canonical JSON: {"nodes": [...], "rows": {key: digest}}
    prev_hash: str
    hash: str

    def expected_hash(self) -> str:
        """The hash the entry's fields and previous hash give."""
        return entry_hash(
            self.seq,
            self.recorded_at,
            self.principal,
            self.method,
            self.request_digest,
            self.affected,
            self.prev_hash,
        )

    def affected_rows(self) -> dict[str, str]:
        """Key -> digest of every row the write left."""
        rows: dict[str, str] = json.loads(self.affected).get("rows", {})
        return rows


def recorded(
    conn: Transaction,
    work: Callable[[], T],
    *,
    method: str,
    request_digest: str,
    principal: str,
) -> T:
    """Runs ``work`` (a request's writes on ``conn``) and appends the entry recording
    them, in the same transaction; returns what ``work`` returns."""
    journal = open_journal(conn)
    try:
        result = work()
        append(conn, journal, method=method, request_digest=request_digest, principal=principal)
        return result
    finally:
        close_journal(conn)


def append(
    conn: Transaction, journal: Journal, *, method: str, request_digest: str, principal: str
) -> Entry:
    """Appends the entry of the request whose writes ``journal`` collected.

    Raises:
        FailedPreconditionError: the head row is gone (someone removed it in SQL).
    """
    rows = dict(journal.rows)
    for table, keys in journal.reread.items():
        rows.update(spec_digests(conn, SPECS[table], sorted(keys)))
    affected = canonical_json({"nodes": sorted(journal.nodes), "rows": rows})
    last, prev_hash = lock_head(conn)
    seq = last + 1
    now = clock.now_ms()
    fields = (seq, now, principal, method, request_digest, affected, prev_hash)
    entry = Entry(*fields, hash=entry_hash(*fields))
    execute_many(conn, _INSERT, [[getattr(entry, c) for c in ENTRY_COLUMNS]])
    execute_many(conn, _MOVE_HEAD, [[entry.seq, entry.hash]])
    return entry


def lock_head(conn: Transaction) -> tuple[int, str]:
    """Locks the head row until the transaction ends (no other entry can be appended
    meanwhile; SQLite's write transaction holds the database already); returns it.

    Raises:
        FailedPreconditionError: the head row is gone (someone removed it in SQL).
    """
    lock = "" if conn.dialect.name == "sqlite" else " FOR UPDATE"
    found = fetch(conn, _HEAD + lock)
    if not found:
        raise FailedPreconditionError(
            "the audit log's head row is missing, so no write can be recorded; "
            "run `mdstore audit verify` and restore the database from a backup"
        )
    return int(found[0][0]), found[0][1]


def head(conn: Transaction) -> tuple[int, str] | None:
    """``(seq, hash)`` the head row names, or None when it is missing."""
    row = fetch(conn, _HEAD)
    return (int(row[0][0]), row[0][1]) if row else None


def entries(conn: Transaction, *, after: int = 0, batch: int = 1000) -> Iterator[Entry]:
    """Every entry from seq ``after`` + 1 on, in order, read a batch at a time."""
    columns = [ENTRY.c[c] for c in ENTRY_COLUMNS]
    while True:
        query = select(*columns).where(ENTRY.c.seq > after).order_by(ENTRY.c.seq).limit(batch)
        found = [Entry(*row) for row in conn.execute(query)]
        yield from found
        if len(found) < batch:
            return
        after = found[-1].seq


def entries_touching(conn: Transaction, node_keys: list[str]) -> list[Entry]:
    """The entries whose writes touched any of these nodes (``artifact:12``), in order.

    A text match on ``affected`` narrows each scan in SQL, for up to _KEYS_PER_SCAN
    keys at once (one scan of the log per chunk, not per node); the parsed entry
    decides.
    """
    columns = [ENTRY.c[c] for c in ENTRY_COLUMNS]
    wanted = set(node_keys)
    found: dict[int, Entry] = {}
    for chunk in batches(sorted(wanted), _KEYS_PER_SCAN):
        matches = or_(*(ENTRY.c.affected.contains(f'"{key}"') for key in chunk))
        for row in conn.execute(select(*columns).where(matches)):
            entry = Entry(*row)
            if entry.seq not in found and wanted & set(json.loads(entry.affected)["nodes"]):
                found[entry.seq] = entry
    return [found[seq] for seq in sorted(found)]


_KEYS_PER_SCAN = 100
