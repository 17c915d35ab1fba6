"""``audit verify``: the chain holds, and every row is what its last entry wrote.

Two walks. The chain: entries numbered 1, 2, … without a gap, each entry's hash
recomputed from its fields, each one's previous hash equal to the hash before
it, and the head row naming the last. The rows: every row of every audited
table digested as the writer digested it (``rows``), and compared with the
digest the last entry that wrote it recorded; a node's or event's columns,
property rows and path rows must also say what its stored message says. A row
no entry recorded was written around the service; a recorded row that is gone
was removed around it.

Entries and rows are read a batch at a time, and what the chain recorded waits
on disk (``recorded``), so memory does not grow with the store. A report lists at most
``MAX_LISTED`` problems, the earliest first, and counts them all.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mdstore.store.audit import chain
from mdstore.store.audit.digests import blob_digest, event_digest, normal
from mdstore.store.audit.recorded import RecordedRows
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

BATCH = 500  # rows read at a time
ENTRY_BATCH = 100  # entries read at a time: an adoption's entry lists up to 100,000 rows
MAX_LISTED = 1_000
"""Problems a report lists (the earliest; it counts them all): a store written
around the service can have a problem per row, millions of them."""


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

    def sort_key(self) -> tuple[bool, bool, bool, int]:
        # Unrecorded rows last: adopting records them, the others need a person.
        return (not self.in_chain, self.seq is None, self.unrecorded, self.seq or 0)


@dataclass
class Report:
    """What ``verify`` found: the earliest ``MAX_LISTED`` problems, and counts."""

    entries: int = 0
    rows: int = 0
    head: tuple[int, str] | None = None
    problem_count: int = 0
    unrecorded_count: int = 0  # rows no entry recorded (counted in problem_count too)
    _kept: list[tuple[tuple[int, ...], int, Problem]] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        """Counts a problem; keeps it while it is among the earliest MAX_LISTED."""
        self.problem_count += 1
        self.unrecorded_count += problem.unrecorded
        # A max-heap on sort_key (negated): the latest kept problem is dropped first.
        item = (tuple(-int(k) for k in problem.sort_key()), -self.problem_count, problem)
        if len(self._kept) < MAX_LISTED:
            heapq.heappush(self._kept, item)
        else:
            heapq.heappushpop(self._kept, item)

    @property
    def problems(self) -> list[Problem]:
        """The problems kept, earliest first (chain problems, then rows by entry)."""
        ordered = sorted(self._kept, key=lambda item: (item[2].sort_key(), -item[1]))
        return [problem for _, _, problem in ordered]

    @property
    def blocking_count(self) -> int:
        """Problems other than unrecorded rows: what adopting must not cover over."""
        return self.problem_count - self.unrecorded_count

    @property
    def ok(self) -> bool:
        return not self.problem_count

    def first(self) -> Problem | None:
        """The chain's earliest problem, else the earliest row's (unrecorded rows last)."""
        return self.problems[0] if self._kept else None


def verify(conn: Transaction, recorded: RecordedRows | None = None) -> Report:
    """Walks the chain and every audited row; returns what does not verify.

    ``recorded``: where to keep what the chain recorded, and afterwards the rows
    no entry recorded (``adopt`` reads them); by default a store of its own.
    """
    if recorded is None:
        with RecordedRows() as own:
            return verify(conn, own)
    report = Report(head=chain.head(conn))
    _walk_chain(conn, report, recorded)
    for kind in NODE_KINDS:
        _check_nodes(conn, kind, recorded, report)
    _check_events(conn, recorded, report)
    for spec in SPECS.values():
        for digests in _chunks(spec_digests(conn, spec), BATCH):
            _compare(digests, recorded, report)
    for key, seq in recorded.left():
        report.add(Problem(seq, f"{_label(key)}, written by entry {seq}, is gone"))
    return report


def _chunks(items: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _walk_chain(conn: Transaction, report: Report, recorded: RecordedRows) -> None:
    """Checks numbering and hashes; records each row key's last (seq, digest)."""
    expected, prev_hash = 1, GENESIS_HASH
    for entry in chain.entries(conn, batch=ENTRY_BATCH):
        report.entries += 1
        if entry.seq != expected:
            missing = (
                f"entry {expected} is"
                if entry.seq == expected + 1
                else f"entries {expected}–{entry.seq - 1} are"
            )
            report.add(Problem(entry.seq, f"entry {entry.seq}: {missing} missing", True))
        if entry.prev_hash != prev_hash:
            report.add(
                Problem(
                    entry.seq,
                    f"entry {entry.seq}: its previous hash is not the hash of entry "
                    f"{expected - 1} (one of the two was changed)",
                    True,
                )
            )
        if entry.expected_hash() != entry.hash:
            report.add(
                Problem(entry.seq, f"entry {entry.seq}: its hash does not match its contents", True)
            )
        recorded.record(entry.seq, _rows_of(entry, report))
        expected, prev_hash = entry.seq + 1, entry.hash
    _check_head(report, expected - 1, prev_hash)


def _rows_of(entry: chain.Entry, report: Report) -> dict[str, str]:
    try:
        return entry.affected_rows()
    except (ValueError, AttributeError):
        report.add(Problem(entry.seq, f"entry {entry.seq}: its affected rows do not parse", True))
        return {}


def _check_head(report: Report, last_seq: int, last_hash: str) -> None:
    if report.head is None:
        report.add(Problem(None, "the audit log's head row is missing", True))
    elif report.head != (last_seq, last_hash):
        seq = report.head[0]
        report.add(
            Problem(
                seq,
                f"the head names entry {seq}, but the chain ends at entry {last_seq}"
                + (" (entries were removed from its end)" if seq > last_seq else ""),
                True,
            )
        )


def _compare(
    digests: list[tuple[str, str]], recorded: RecordedRows, report: Report
) -> list[int | None]:
    """Checks a batch of rows' ``(key, digest)`` against their last entries;
    returns each row's entry seq (None: no entry recorded it)."""
    found = recorded.take([key for key, _ in digests])
    seqs: list[int | None] = []
    unrecorded = []
    for key, digest in digests:
        report.rows += 1
        seq, expected = found.get(key, (None, ""))
        seqs.append(seq)
        if seq is None:
            unrecorded.append((key, digest))
            message = f"{_label(key)} is recorded by no entry (written around the service)"
            report.add(Problem(None, message, unrecorded=True))
        elif digest != expected:
            report.add(
                Problem(seq, f"entry {seq}: {_label(key)} differs from what the entry recorded")
            )
    if unrecorded:
        recorded.add_unrecorded(unrecorded)
    return seqs


def _entry(seq: int | None) -> str:
    return "" if seq is None else f"entry {seq}: "


def _label(key: str) -> str:
    table, _, rest = key.partition(":")
    return f"{table.replace('_', ' ')} {rest.replace(':', '/')}"


# ------------------------------------------------------------------ nodes and events


def _check_nodes(conn: Transaction, kind: NodeKind, recorded: RecordedRows, report: Report) -> None:
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
        keys = [f"{kind.label}:{row[0]}" for row in rows]
        digests = [blob_digest(as_bytes(row[-1])) for row in rows]
        seqs = _compare(list(zip(keys, digests, strict=True)), recorded, report)
        for key, seq, row in zip(keys, seqs, rows, strict=True):
            # Unrecorded rows too: adopting one must not bless a contradiction.
            found = _node_mismatch(kind, row, properties.get(row[0], []))
            if found:
                report.add(Problem(seq, f"{_entry(seq)}{_label(key)}: {found}"))


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


def _check_events(conn: Transaction, recorded: RecordedRows, report: Report) -> None:
    columns = ("id", *EVENT_COLUMNS)
    for rows in _batches(conn, f"SELECT {', '.join(columns)} FROM event"):
        paths = _owned_rows(
            conn,
            "event_path",
            "event_id",
            ("event_id", "position", "is_index_step", "step_index", "step_key"),
            [r[0] for r in rows],
        )
        digests = [(f"event:{r[0]}", event_digest(as_bytes(r[5]), r[6])) for r in rows]
        seqs = _compare(digests, recorded, report)
        for row, seq in zip(rows, seqs, strict=True):
            event_id, blob = row[0], as_bytes(row[5])
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
            report.add(Problem(seq, f"{_entry(seq)}event {event_id}: {found}"))


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
