"""Following an ``mdstore.v1`` answer's pages to the end, as one response.

Trace and Impact answers over their page size come in pages (``next_page_token``),
GetAuditEntries answers in pages of entries (``next_after_seq``); the embedded
API, the client, the CLI and the exports want the whole answer. Repeated fields
of the pages are concatenated; scalar fields take the last page's values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Caller = Callable[[str, Any], Any]


def all_pages(call: Caller, method: str, request: Any) -> Any:
    """Calls ``method`` page by page; returns the pages merged into one response."""
    response = call(method, request)
    if not response.next_page_token:
        return response  # one page: nothing to merge (a copy costs as much as the parse)
    merged = type(response)()
    merged.CopyFrom(response)
    while response.next_page_token:
        request.options.page_token = response.next_page_token
        response = call(method, request)
        merged.MergeFrom(response)  # repeated fields append; scalars take the last page's
    merged.next_page_token = ""
    return merged


def all_audit_entries(call: Caller, request: Any) -> Any:
    """GetAuditEntries page by page; one response with every entry and the head the
    last page saw."""
    response = call("GetAuditEntries", request)
    merged = type(response)()
    merged.CopyFrom(response)
    while response.HasField("next_after_seq"):
        request.after_seq = response.next_after_seq
        response = call("GetAuditEntries", request)
        merged.MergeFrom(response)
    merged.ClearField("next_after_seq")
    return merged
