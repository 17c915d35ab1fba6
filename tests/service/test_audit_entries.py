"""GetAuditEntries a page at a time, and ``all_audit_entries`` following the pages."""

from __future__ import annotations

from mdstore.service.dispatch import Service
from mdstore.wire import mlmd, v1
from mdstore.wire.pages import all_audit_entries


def test_pages_follow_one_another_to_the_head(service: Service) -> None:
    for name in ("A", "B", "C", "D", "E"):
        request = mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType(name=name))
        service.call("PutArtifactType", request)
    first = service.call("GetAuditEntries", v1.GetAuditEntriesRequest(page_size=2))
    assert [e.seq for e in first.entries] == [1, 2]
    assert first.next_after_seq == 2
    merged = all_audit_entries(service.call, v1.GetAuditEntriesRequest(page_size=2))
    assert [e.seq for e in merged.entries] == [1, 2, 3, 4, 5]
    assert (merged.head_seq, merged.head_hash) == (5, merged.entries[-1].hash)
    assert not merged.HasField("next_after_seq")
