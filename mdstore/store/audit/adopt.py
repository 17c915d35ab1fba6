"""Adopting rows no audit entry recorded: new entries record them as they are.

A database created before the audit log (schema 0007 or older), or written while
it was off, holds rows no entry covers, and ``audit verify`` names each of them.
Adopting records them (key and digest, as a write would have) in entries of
their own, an explicit and attributed act; after it the log verifies.

Only unrecorded rows are adopted, and only while nothing else fails: a row that
differs from its entry, a recorded row that is gone or a broken chain stops the
adoption, so it can never cover over a change made around the service. The head
is locked first, so no other entry is appended while the rows are read: a write
that commits later gets an entry after the adoption's, recording its own digests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mdstore.errors import FailedPreconditionError
from mdstore.store.audit import chain
from mdstore.store.audit.journal import Journal
from mdstore.store.audit.recorded import RecordedRows
from mdstore.store.audit.verify import verify
from mdstore.store.db.transactions import Transaction, principal
from mdstore.store.records.kinds import NODE_KINDS

_NODE_LABELS = frozenset(kind.label for kind in NODE_KINDS)


@dataclass
class Adoption:
    """What an adoption recorded: rows by table, in how many entries."""

    tables: Counter[str] = field(default_factory=Counter)
    entries: int = 0

    @property
    def adopted(self) -> int:
        return sum(self.tables.values())


def adopt(conn: Transaction, rows_per_entry: int, *, method: str, request_digest: str) -> Adoption:
    """Appends entries recording every unrecorded row, ``rows_per_entry`` at a time
    in key order, for the caller named on ``conn``; appends nothing when none is.

    Raises:
        FailedPreconditionError: the log fails to verify for another reason than
            unrecorded rows (named); nothing is adopted then.
    """
    chain.lock_head(conn)
    with RecordedRows() as recorded:
        report = verify(conn, recorded)
        if report.blocking_count:
            first = next(p for p in report.problems if not p.unrecorded)
            raise FailedPreconditionError(
                f"the audit log does not verify ({first.message}); adopting unrecorded rows "
                "would cover that over, so nothing was adopted"
            )
        adoption = Adoption()
        for rows in recorded.unrecorded(rows_per_entry):
            journal = Journal(
                rows=rows, nodes={key for key in rows if key.partition(":")[0] in _NODE_LABELS}
            )
            chain.append(
                conn,
                journal,
                method=method,
                request_digest=request_digest,
                principal=principal(conn),
            )
            adoption.entries += 1
            adoption.tables.update(key.partition(":")[0] for key in rows)
    return adoption
