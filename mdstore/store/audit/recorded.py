"""What the audit chain recorded, kept on disk while ``verify`` compares the rows.

``verify`` needs, for every audited row, the digest its last entry recorded, and
``adopt`` needs the digest of every row no entry recorded. A store imported from
years of MLMD metadata holds millions of rows: kept as Python objects, those
digests cost a few hundred bytes each. Here they live in a temporary SQLite file
(no journal, no sync: it dies with the verify), so memory stays flat however
large the store; rows are looked up a batch at a time.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType

_FLUSH = 10_000  # keys buffered before an INSERT (a few MB)
_LOOKUP = 500  # keys per SELECT / DELETE (SQLite binds at most 999 on old builds)


class RecordedRows:
    """Row key -> (seq, digest) of the last entry that wrote it; and the rows no
    entry recorded, key -> digest. Use it as a ``with`` block: the file is removed
    on exit."""

    def __init__(self) -> None:
        handle, self._path = tempfile.mkstemp(prefix="mdstore-verify-", suffix=".sqlite")
        os.close(handle)
        # One thread uses it at a time, though not always the one that opened it.
        self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE recorded (key TEXT PRIMARY KEY, seq INTEGER NOT NULL,"
            " digest TEXT NOT NULL) WITHOUT ROWID"
        )
        self._db.execute(
            "CREATE TABLE unrecorded (key TEXT PRIMARY KEY, digest TEXT NOT NULL) WITHOUT ROWID"
        )
        self._db.execute("BEGIN")  # one transaction: no commit per statement
        self._pending: dict[str, tuple[int, str]] = {}
        self.unrecorded_count = 0

    def __enter__(self) -> RecordedRows:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        os.remove(self._path)

    def record(self, seq: int, rows: Mapping[str, str]) -> None:
        """Entry ``seq`` wrote ``rows`` (key -> digest); call in entry order, so a
        later entry's digest replaces an earlier one's."""
        pending = self._pending
        for key, digest in rows.items():
            pending[key] = (seq, digest)
        if len(pending) >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany(
                "INSERT OR REPLACE INTO recorded VALUES (?, ?, ?)",
                ((key, seq, digest) for key, (seq, digest) in self._pending.items()),
            )
            self._pending.clear()

    def take(self, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
        """The recorded (seq, digest) of those of ``keys`` that an entry wrote, each
        taken out: what stays is what no row answered (``left``)."""
        self._flush()
        found: dict[str, tuple[int, str]] = {}
        for start in range(0, len(keys), _LOOKUP):
            chunk = keys[start : start + _LOOKUP]
            marks = ", ".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, seq, digest FROM recorded WHERE key IN ({marks})", chunk
            )
            found.update((key, (seq, digest)) for key, seq, digest in rows)
            self._db.execute(f"DELETE FROM recorded WHERE key IN ({marks})", chunk)
        return found

    def left(self) -> Iterator[tuple[str, int]]:
        """``(key, seq)`` of the recorded rows not taken, by entry then key."""
        self._flush()
        yield from self._db.execute("SELECT key, seq FROM recorded ORDER BY seq, key")

    def add_unrecorded(self, rows: Sequence[tuple[str, str]]) -> None:
        """Rows no entry recorded: ``(key, digest now)``."""
        self._db.executemany("INSERT OR REPLACE INTO unrecorded VALUES (?, ?)", rows)
        self.unrecorded_count += len(rows)

    def unrecorded(self, size: int) -> Iterator[dict[str, str]]:
        """The unrecorded rows in key order, ``size`` at a time (key -> digest)."""
        cursor = self._db.execute("SELECT key, digest FROM unrecorded ORDER BY key")
        while batch := cursor.fetchmany(size):
            yield dict(batch)
