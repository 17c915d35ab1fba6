"""What one write request leaves in the database, collected while it runs.

The service opens a ``Journal`` on the request's transaction (``open_journal``);
the record writers report every row they insert or change through the functions
here, which do nothing when no journal is open (reads, migrations, tests that
write rows directly). Rows the writer holds in full are digested at once; rows
the database completes (defaults, generated ids) are named with ``touched`` and
read back when the entry is appended.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mdstore.store.audit.digests import blob_digest, event_digest, row_digest
from mdstore.store.audit.rows import SPECS
from mdstore.store.db.transactions import Transaction

_INFO_KEY = "mdstore.audit.journal"


@dataclass
class Journal:
    """The rows a request wrote (key -> digest), rows to read back, nodes touched."""

    rows: dict[str, str] = field(default_factory=dict)
    reread: dict[str, set[tuple[Any, ...]]] = field(default_factory=dict)
    nodes: set[str] = field(default_factory=set)


def open_journal(conn: Transaction) -> Journal:
    """Starts collecting the writes of the transaction's request."""
    journal = Journal()
    conn.info[_INFO_KEY] = journal
    return journal


def close_journal(conn: Transaction) -> None:
    """Stops collecting (the connection goes back to the pool after this)."""
    conn.info.pop(_INFO_KEY, None)


def _journal(conn: Transaction) -> Journal | None:
    found: Journal | None = conn.info.get(_INFO_KEY)
    return found


def wrote_nodes(conn: Transaction, label: str, ids: Sequence[int], blobs: Sequence[bytes]) -> None:
    """Artifacts, executions or contexts (``label``) written with these blobs."""
    journal = _journal(conn)
    if journal is None:
        return
    for node_id, blob in zip(ids, blobs, strict=True):
        key = f"{label}:{node_id}"
        journal.rows[key] = blob_digest(blob)
        journal.nodes.add(key)


def wrote_events(conn: Transaction, ids: Sequence[int], rows: Sequence[tuple[Any, ...]]) -> None:
    """Events inserted as ``(artifact_id, execution_id, type, ms, blob, recorded_at)``."""
    journal = _journal(conn)
    if journal is None:
        return
    for event_id, row in zip(ids, rows, strict=True):
        journal.rows[f"event:{event_id}"] = event_digest(row[4], row[5])
        journal.nodes.update((f"artifact:{row[0]}", f"execution:{row[1]}"))


def wrote_rows(
    conn: Transaction, table: str, rows: Iterable[Sequence[Any]], nodes: Iterable[str] = ()
) -> None:
    """Rows of an audited table, each with every column its spec digests (in order)."""
    journal = _journal(conn)
    if journal is None:
        return
    spec = SPECS[table]
    positions = [spec.values.index(c) for c in spec.key]
    for row in rows:
        journal.rows[spec.key_of([row[i] for i in positions])] = row_digest(row)
    journal.nodes.update(nodes)


def touched(
    conn: Transaction, table: str, keys: Iterable[Sequence[Any]], nodes: Iterable[str] = ()
) -> None:
    """Rows of an audited table, by their key values, to digest when the entry is written."""
    journal = _journal(conn)
    if journal is None:
        return
    journal.reread.setdefault(table, set()).update(tuple(k) for k in keys)
    journal.nodes.update(nodes)
