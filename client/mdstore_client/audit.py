"""The audit log through the client: verify the chain, list entries (mixed into ``Client``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from mdstore.wire import v1
from mdstore.wire.pages import all_audit_entries
from mdstore_client.convert import ARTIFACT, CONTEXT, EXECUTION, Kind
from mdstore_client.models import Artifact, Context, Execution, Node
from mdstore_client.provenance import KIND_NUMBERS, time_from_millis


class AuditProblem(BaseModel):
    """What does not verify; ``seq`` is the entry it contradicts (None: no entry)."""

    seq: int | None
    message: str


class AuditReport(BaseModel):
    """The answer of ``verify_audit_log``."""

    ok: bool
    entries: int
    rows: int
    head_seq: int
    head_hash: str
    problems: list[AuditProblem]  # the earliest 1,000 at most
    problem_count: int = 0  # all of them
    unrecorded_rows: int = 0  # rows no entry recorded (``mdstore audit adopt``)


class AuditEntry(BaseModel):
    """One write as the audit log keeps it."""

    seq: int
    time: datetime | None
    principal: str
    method: str
    request_digest: str
    nodes: list[str]  # "artifact:12", ...
    rows: dict[str, str]  # row key -> digest
    prev_hash: str
    hash: str


class AuditCalls:
    """``verify_audit_log`` and ``audit_log``."""

    if TYPE_CHECKING:  # provided by Client and Queries

        def call(self, method: str, request: Any) -> Any: ...

        def id_of(self, node: Node | int, kind: Kind) -> int: ...

    def verify_audit_log(self) -> AuditReport:
        """Walks the audit chain and checks every row against the entry that wrote it."""
        answer = self.call("VerifyAuditLog", v1.VerifyAuditLogRequest())
        return AuditReport(
            ok=answer.ok,
            entries=answer.entries,
            rows=answer.rows,
            head_seq=answer.head_seq,
            head_hash=answer.head_hash,
            problems=[
                AuditProblem(seq=p.seq if p.HasField("seq") else None, message=p.message)
                for p in answer.problems
            ],
            problem_count=answer.problem_count,
            unrecorded_rows=answer.unrecorded_rows,
        )

    def audit_log(
        self,
        *nodes: Artifact | Execution | Context,
        artifact_ids: tuple[int, ...] = (),
        execution_ids: tuple[int, ...] = (),
    ) -> list[AuditEntry]:
        """Audit entries in order: all, or those that touched any of the nodes given."""
        wanted = [(_label(n), self.id_of(n, _kind(n))) for n in nodes]
        wanted += [("artifact", i) for i in artifact_ids]
        wanted += [("execution", i) for i in execution_ids]
        refs = [v1.NodeRef(kind=KIND_NUMBERS[label], id=i) for label, i in wanted]
        answer = all_audit_entries(self.call, v1.GetAuditEntriesRequest(nodes=refs))
        return [_entry(e) for e in answer.entries]


def _kind(node: Node) -> Kind:
    if isinstance(node, Artifact):
        return ARTIFACT
    return EXECUTION if isinstance(node, Execution) else CONTEXT


def _label(node: Node) -> str:
    return _kind(node).label


def _entry(message: Any) -> AuditEntry:
    affected = json.loads(message.affected_json)
    return AuditEntry(
        seq=message.seq,
        time=time_from_millis(message.recorded_at_millis),
        principal=message.principal,
        method=message.method,
        request_digest=message.request_digest,
        nodes=affected["nodes"],
        rows=affected["rows"],
        prev_hash=message.prev_hash,
        hash=message.hash,
    )
