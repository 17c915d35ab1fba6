"""``import_mlmd``: copies an ML Metadata database into an mdstore database.

Phases, in foreign-key order: types, contexts, parent contexts, artifacts,
executions, events with their paths, attributions, associations. Each batch is
one transaction that also appends its audit entry, so an interrupted import
leaves whole batches behind and a rerun resumes after the highest id each table
holds. The target must be empty, or hold only an unfinished import of the same
source (recognised by a fingerprint of its types). At the end every table's
rows are counted on both sides.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update

from mdstore.errors import FailedPreconditionError
from mdstore.store.audit import chain
from mdstore.store.audit.digests import canonical_json, sha256_hex
from mdstore.store.audit.journal import touched
from mdstore.store.db import clock, schema
from mdstore.store.db.backup import move_sequences
from mdstore.store.db.database import Database
from mdstore.store.db.engine import mask_url
from mdstore.store.db.transactions import Transaction
from mdstore.store.mlmd_import import convert, load
from mdstore.store.mlmd_import.source import PROPERTY_COLUMNS, Source
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, NodeKind
from mdstore.store.records.node_writes import insert_with_ids

METHOD = "mdstore/ImportMlmd"  # the audit entries' method
PRINCIPAL = "import-mlmd"
BATCH = 1000
Progress = Callable[[str, int, int], None]  # (phase, rows done, rows in all)

_NODE_SOURCES = {  # kind -> (MLMD table, property table, owner column, kind columns)
    "context": ("Context", "ContextProperty", "context_id", ()),
    "artifact": ("Artifact", "ArtifactProperty", "artifact_id", ("uri", "state")),
    "execution": ("Execution", "ExecutionProperty", "execution_id", ("last_known_state",)),
}
_NODE_COLUMNS = ("name", "external_id", "create_time_since_epoch", "last_update_time_since_epoch")


@dataclass
class Report:
    """What an import did: rows per table on both sides, and how long it took."""

    counts: list[tuple[str, int, int]] = field(default_factory=list)  # (table, source, target)
    seconds: float = 0.0
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return all(source == target for _, source, target in self.counts)

    @property
    def rows(self) -> int:
        return sum(target for _, _, target in self.counts)


def import_mlmd(source_url: str, target: Database, progress: Progress | None = None) -> Report:
    """Imports the ML Metadata database at ``source_url`` into ``target``.

    Raises:
        FailedPreconditionError: the source is not MLMD schema 10, or the target
            holds other data (or a finished import).
    """
    started = time.perf_counter()
    source = Source(source_url)
    try:
        job = _Job(source, target, progress or (lambda *_: None))
        report = Report(resumed=job.begin(source_url))
        job.run()
        report.counts = _compare(source, target)
        target.run(job.finish)
    finally:
        source.close()
    report.seconds = time.perf_counter() - started
    return report


class _Job:
    def __init__(self, source: Source, target: Database, progress: Progress) -> None:
        self.source, self.target, self.progress = source, target, progress
        type_rows = source.all_rows("Type", convert.TYPE_COLUMNS)
        self.types = convert.types(
            type_rows,
            source.all_rows("TypeProperty", ("type_id", "name", "data_type")),
            source.all_rows("ParentType", ("type_id", "parent_type_id")),
        )
        self.type_names = {msg.id: msg.name for _, msg in self.types}
        self.fingerprint = sha256_hex(
            canonical_json([list(map(str, r)) for r in type_rows]).encode()
        )

    def begin(self, source_url: str) -> bool:
        """Checks the target; records the import; True when it resumes one."""
        return bool(self.target.run(lambda conn: self._claim(conn, source_url)))

    def _claim(self, conn: Transaction, source_url: str) -> bool:
        t = schema.mlmd_import_table
        row = conn.execute(select(t.c.source_fingerprint, t.c.finished_at)).first()
        if row is not None:
            if row.source_fingerprint != self.fingerprint:
                raise FailedPreconditionError("the target holds an import of another database")
            if row.finished_at is not None:
                raise FailedPreconditionError("the target holds a finished import of this database")
            return True
        other = conn.execute(
            select(func.count()).select_from(schema.audit_entry_table)
        ).scalar_one()
        nodes = conn.execute(select(func.count()).select_from(schema.type_table)).scalar_one()
        if other or nodes:
            raise FailedPreconditionError(
                "the target database already holds data; import into an empty database"
            )
        self._in_batch(conn, "claim", lambda: self._record_claim(conn, source_url))
        return False

    def _record_claim(self, conn: Transaction, source_url: str) -> None:
        values = {
            "id": 1,
            "source_fingerprint": self.fingerprint,
            "source": mask_url(source_url)[:255],
        }
        conn.execute(insert(schema.mlmd_import_table).values(started_at=clock.now_ms(), **values))
        touched(conn, "mlmd_import", [(1,)])

    def _in_batch(self, conn: Transaction, what: str, work: Callable[[], Any]) -> None:
        """Runs ``work`` in the open transaction and appends its audit entry."""
        digest = sha256_hex(canonical_json([self.fingerprint, what]).encode())
        chain.recorded(conn, work, method=METHOD, request_digest=digest, principal=PRINCIPAL)

    def _write(self, what: str, loader: Callable[..., None], *args: Any) -> None:
        """One batch: ``loader(conn, *args)`` and its audit entry, in one transaction."""
        self.target.run(lambda conn: self._in_batch(conn, what, lambda: loader(conn, *args)))

    def run(self) -> None:
        if not self._count(schema.type_table):
            self._write("types", load.load_types, self.types)
        self.progress("types", len(self.types), len(self.types))
        self._nodes(CONTEXT)
        self._parent_contexts()
        self._nodes(ARTIFACT)
        self._nodes(EXECUTION)
        self._events()
        self._links("attribution", "Attribution", "artifact_id", "Artifact")
        self._links("association", "Association", "execution_id", "Execution")
        self.target.run(move_sequences)

    def _count(self, table: Any) -> int:
        return _count(self.target, table)

    def _max_id(self, table: Any) -> int:
        found = self.target.run(
            lambda c: c.execute(select(func.max(table.c.id))).scalar(), read_only=True
        )
        return int(found or 0)

    def _nodes(self, kind: NodeKind) -> None:
        name, props, owner, fields = _NODE_SOURCES[kind.label]
        total, done = self.source.count(name), self._count(kind.table)
        columns = ("id", "type_id", *fields, *_NODE_COLUMNS)
        for rows in self.source.batches(name, columns, self._max_id(kind.table), BATCH):
            found = self.source.owned(props, owner, PROPERTY_COLUMNS, [r[0] for r in rows])
            by_node: dict[int, list[Any]] = {}
            for prop in found:
                by_node.setdefault(prop[0], []).append(prop[1:])
            nodes = [convert.node(kind, r, by_node.get(r[0], [])) for r in rows]
            what = f"{name} {rows[0][0]}-{rows[-1][0]}"
            self._write(what, insert_with_ids, kind, nodes, self.type_names)
            done += len(rows)
            self.progress(name, done, total)

    def _parent_contexts(self) -> None:
        pairs = [
            tuple(p)
            for p in self.source.all_rows("ParentContext", ("context_id", "parent_context_id"))
        ]
        if pairs and not self._count(schema.parent_context_table):
            self._write("ParentContext", load.load_parent_contexts, pairs)
        self.progress("ParentContext", len(pairs), len(pairs))

    def _events(self) -> None:
        total, done = self.source.count("Event"), self._count(schema.event_table)
        columns = ("id", "artifact_id", "execution_id", "type", "milliseconds_since_epoch")
        for rows in self.source.batches("Event", columns, self._max_id(schema.event_table), BATCH):
            steps: dict[int, list[Any]] = {}
            path_columns = ("is_index_step", "step_index", "step_key")
            for step in self.source.owned(
                "EventPath", "event_id", path_columns, [r[0] for r in rows]
            ):
                steps.setdefault(step[0], []).append(step[1:])
            events = [(r[0], convert.event(r, steps.get(r[0], []))) for r in rows]
            what = f"Event {rows[0][0]}-{rows[-1][0]}"
            self._write(what, load.load_events, events)
            done += len(rows)
            self.progress("Event", done, total)

    def _links(self, table: str, name: str, node_column: str, node_table: str) -> None:
        target_table = schema.metadata.tables[table]
        total, done = self.source.count(name), self._count(target_table)
        for rows in self.source.batches(
            name, ("id", "context_id", node_column), self._max_id(target_table), BATCH
        ):
            times = self._created(rows, node_table)
            stamped = [
                (i, c, n, max(times.get(("Context", c), 0), times.get((node_table, n), 0)))
                for i, c, n in rows
            ]
            what = f"{name} {rows[0][0]}-{rows[-1][0]}"
            self._write(what, load.load_links, table, stamped)
            done += len(rows)
            self.progress(name, done, total)

    def _created(
        self, rows: Sequence[tuple[Any, ...]], node_table: str
    ) -> dict[tuple[str, int], int]:
        """Creation times of the links' contexts and nodes, from the source."""
        found: dict[tuple[str, int], int] = {}
        for table, ids in (("Context", {r[1] for r in rows}), (node_table, {r[2] for r in rows})):
            for node_id, created in self.source.owned(
                table, "id", ("create_time_since_epoch",), sorted(ids)
            ):
                found[(table, node_id)] = created or 0
        return found

    def finish(self, conn: Transaction) -> None:
        def mark() -> None:
            t = schema.mlmd_import_table
            conn.execute(update(t).where(t.c.id == 1).values(finished_at=clock.now_ms()))
            touched(conn, "mlmd_import", [(1,)])

        self._in_batch(conn, "finished", mark)


_COMPARED = (  # (label, MLMD table, mdstore table)
    ("types", "Type", "type"),
    ("type properties", "TypeProperty", "type_property"),
    ("artifacts", "Artifact", "artifact"),
    ("artifact properties", "ArtifactProperty", "artifact_property"),
    ("executions", "Execution", "execution"),
    ("execution properties", "ExecutionProperty", "execution_property"),
    ("contexts", "Context", "context"),
    ("context properties", "ContextProperty", "context_property"),
    ("parent contexts", "ParentContext", "parent_context"),
    ("events", "Event", "event"),
    ("event paths", "EventPath", "event_path"),
    ("attributions", "Attribution", "attribution"),
    ("associations", "Association", "association"),
)


def _compare(source: Source, target: Database) -> list[tuple[str, int, int]]:
    system_types = {
        r[0] for r in source.all_rows("Type", ("id", "name")) if r[1] in convert.BASE_TYPES
    }
    out = []
    for label, mlmd_table, ours in _COMPARED:
        count = source.count(mlmd_table) - (len(system_types) if mlmd_table == "Type" else 0)
        table = schema.metadata.tables[ours]
        out.append((label, count, _count(target, table)))
    return out


def _count(target: Database, table: Any) -> int:
    def count(conn: Transaction) -> int:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    return target.run(count, read_only=True)
