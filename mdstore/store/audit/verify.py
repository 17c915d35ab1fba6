"""``audit verify``: the chain holds, and every row is what its last entry wrote.

Two walks. The chain: entries numbered 1, 2, … without a gap, each entry's hash
recomputed from its fields, each one's previous hash equal to the hash before
it, and the head row naming the last. The rows: every row of every audited
table digested as the writer digested it (``rows``), and compared with the
digest the last entry that wrote it recorded; a node's or event's columns,
property rows and path rows must also say what its stored message says. A row
no entry recorded was written around the service; a recorded row that is gone
was removed around it.

Memory grows with the number of rows (one digest each), read a batch at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mdstore.store.audit import chain
from mdstore.store.audit.digests import blob_digest, event_digest, normal
from mdstore.store.audit.rows import SPECS, spec_digests
from mdstore.store.db.audit_schema import GENESIS_HASH
from mdstore.store.db.transactions import Transaction
from mdstore.store.driver import fetch
from mdstore.store.records.blobs import as_bytes
from mdstore.store.records.events import EVENT_COLUMNS, step_rows
from mdstore.store.records.kinds import NODE_KINDS, NodeKind
from mdstore.store.records.node_writes import column_values, node_columns
from mdstore.store.records.nodes import property_columns, property_rows
from mdstore.wire import mlmd

BATCH = 500


@dataclass(frozen=True)
class Problem:
    """Something that does not verify; ``seq`` is the entry it contradicts, if any.

    ``in_chain``: the chain itself is broken (numbering, hashes, head). Those come
    first: rows are compared with entries, so a broken chain explains row failures.
    """

    seq: int | None
    message: str
    in_chain: bool = False
    unrecorded: bool = False  # a row no entry recorded (``adopt`` can record it)

    def sort_key(self) -> tuple[bool, bool, int]:
        return (not self.in_chain, self.seq is None, self.seq or 0)


@dataclass
class Report:
    """What ``verify`` found."""

    entries: int = 0
    rows: int = 0
    head: tuple[int, str] | None = None
    problems: list[Problem] = field(default_factory=list)
    unrecorded: dict[str, str] = field(default_factory=dict)  # row key -> its digest now

    @property
    def ok(self) -> bool:
        return not self.problems

    def first(self) -> Problem | None:
        """The chain's earliest problem, else the earliest row's (unrecorded rows last)."""
        return min(self.problems, key=Problem.sort_key) if self.problems else None


def verify(conn: Transaction) -> Report:
    """Walks the chain and every audited row; returns what does not verify."""
    report = Report(head=chain.head(conn))
    latest = _walk_chain(conn, report)
    for kind in NODE_KINDS:
        _check_nodes(conn, kind, latest, report)
    _check_events(conn, latest, report)
    for spec in SPECS.values():
        for key, digest in spec_digests(conn, spec):
            _compare(key, digest, latest, report)
    for key, (seq, _) in sorted(latest.items(), key=lambda item: item[1][0]):
        report.problems.append(Problem(seq, f"{_label(key)}, written by entry {seq}, is gone"))
    return report


def _walk_chain(conn: Transaction, report: Report) -> dict[str, tuple[int, str]]:
    """Checks numbering and hashes; returns each row key's last (seq, digest)."""
    latest: dict[str, tuple[int, str]] = {}
    expected, prev_hash = 1, GENESIS_HASH
    for entry in chain.entries(conn):
        report.entries += 1
        problems = report.problems
        if entry.seq != expected:
            missing = (
                f"entry {expected} is"
                if entry.seq == expected + 1
                else f"entries {expected}–{entry.seq - 1} are"
            )
            problems.append(Problem(entry.seq, f"entry {entry.seq}: {missing} missing", True))
        if entry.prev_hash != prev_hash:
            problems.append(
                Problem(
                    entry.seq,
                    f"entry {entry.seq}: its previous hash is not the hash of entry "
                    f"{expected - 1} (one of the two was changed)",
                    True,
                )
            )
        if entry.expected_hash() != entry.hash:
            problems.append(
                Problem(entry.seq, f"entry {entry.seq}: its hash does not match its contents", True)
            )
        for key, digest in _rows_of(entry, problems).items():
            latest[key] = (entry.seq, digest)
        expected, prev_hash = entry.seq + 1, entry.hash
    _check_head(report, expected - 1, prev_hash)
    return latest


def _rows_of(entry: chain.Entry, problems: list[Problem]) -> dict[str, str]:
    try:
        return entry.affected_rows()
    except (ValueError, AttributeError):
        problems.append(
            Problem(entry.seq, f"entry {entry.seq}: its affected rows do not parse", True)
        )
        return {}


def _check_head(report: Report, last_seq: int, last_hash: str) -> None:
    if report.head is None:
        report.problems.append(Problem(None, "the audit log's head row is missing", True))
    elif report.head != (last_seq, last_hash):
        seq = report.head[0]
        report.problems.append(
            Problem(
                seq,
                f"the head names entry {seq}, but the chain ends at entry {last_seq}"
                + (" (entries were removed from its end)" if seq > last_seq else ""),
                True,
            )
        )


def _compare(
    key: str, digest: str, latest: dict[str, tuple[int, str]], report: Report
) -> int | None:
    """Checks one row's digest against its last entry; returns that entry's seq."""
    report.rows += 1
    recorded = latest.pop(key, None)
    if recorded is None:
        report.unrecorded[key] = digest
        message = f"{_label(key)} is recorded by no entry (written around the service)"
        report.problems.append(Problem(None, message, unrecorded=True))
        return None
    seq, expected = recorded
    if digest != expected:
        report.problems.append(
            Problem(seq, f"entry {seq}: {_label(key)} differs from what the entry recorded")
        )
    return seq


def _entry(seq: int | None) -> str:
    return "" if seq is None else f"entry {seq}: "


def _label(key: str) -> str:
    table, _, rest = key.partition(":")
    return f"{table.replace('_', ' ')} {rest.replace(':', '/')}"


# ------------------------------------------------------------------ nodes and events


def _check_nodes(
    conn: Transaction, kind: NodeKind, latest: dict[str, tuple[int, str]], report: Report
) -> None:
    columns = (
        "id",
        *node_columns(kind),
        "create_time_since_epoch",
        "last_update_time_since_epoch",
        "proto",
    )
    table = kind.table.name
    for rows in _batches(conn, f"SELECT {', '.join(columns)} FROM {table}"):
        properties = _owned_rows(
            conn,
            kind.properties.name,
            f"{kind.label}_id",
            property_columns(kind),
            [r[0] for r in rows],
        )
        for row in rows:
            key = f"{kind.label}:{row[0]}"
            seq = _compare(key, blob_digest(as_bytes(row[-1])), latest, report)
            # Unrecorded rows too: adopting one must not bless a contradiction.
            found = _node_mismatch(kind, row, properties.get(row[0], []))
            if found:
                report.problems.append(Problem(seq, f"{_entry(seq)}{_label(key)}: {found}"))


def _node_mismatch(kind: NodeKind, row: tuple[Any, ...], properties: list[Any]) -> str:
    """What the node's columns or property rows say differently from its message."""
    node = kind.message.FromString(as_bytes(row[-1]))
    expected = (
        *column_values(kind, node),
        node.create_time_since_epoch,
        node.last_update_time_since_epoch,
    )
    names = (*node_columns(kind), "create_time_since_epoch", "last_update_time_since_epoch")
    for name, want, got in zip(names, expected, row[1:-1], strict=True):
        if normal(want) != normal(got):
            return f"column {name} differs from its stored message"
    if _normal_rows(property_rows(kind, row[0], node)) != _normal_rows(properties):
        return "its property rows differ from its stored message"
    return ""


def _check_events(conn: Transaction, latest: dict[str, tuple[int, str]], report: Report) -> None:
    columns = ("id", *EVENT_COLUMNS)
    for rows in _batches(conn, f"SELECT {', '.join(columns)} FROM event"):
        paths = _owned_rows(
            conn,
            "event_path",
            "event_id",
            ("event_id", "position", "is_index_step", "step_index", "step_key"),
            [r[0] for r in rows],
        )
        for row in rows:
            event_id, blob, recorded_at = row[0], as_bytes(row[5]), row[6]
            seq = _compare(f"event:{event_id}", event_digest(blob, recorded_at), latest, report)
            event = mlmd.Event.FromString(blob)
            stored = (
                event.artifact_id,
                event.execution_id,
                event.type,
                event.milliseconds_since_epoch,
            )
            if tuple(row[1:5]) != stored:
                found = "its columns differ from its stored message"
            elif _normal_rows(step_rows(event_id, event)) != _normal_rows(paths.get(event_id, [])):
                found = "its path rows differ from its stored message"
            else:
                continue
            report.problems.append(Problem(seq, f"{_entry(seq)}event {event_id}: {found}"))


def _batches(conn: Transaction, select_sql: str) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``select_sql`` (its first column ``id``), BATCH at a time by id."""
    after = -1
    while True:
        rows = fetch(conn, f"{select_sql} WHERE id > {{}} ORDER BY id LIMIT {BATCH}", [after])
        if rows:
            yield rows
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def _owned_rows(
    conn: Transaction, table: str, owner: str, columns: tuple[str, ...], ids: list[int]
) -> dict[int, list[tuple[Any, ...]]]:
    """Rows of ``table`` (property or path rows) by the id of the row owning them."""
    found: dict[int, list[tuple[Any, ...]]] = {}
    if not ids:
        return found
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {owner} IN ({{}})"
    for row in fetch(conn, sql, ids):
        found.setdefault(row[0], []).append(row)
    return found


def _normal_rows(rows: list[Any]) -> list[str]:
    return sorted(json.dumps([normal(v) for v in row]) for row in rows)
