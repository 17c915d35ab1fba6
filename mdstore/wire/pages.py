"""Following an ``mdstore.v1`` answer's pages to the end, as one response.

Trace and Impact answers over their page size come in pages (``next_page_token``);
the embedded API, the client and the CLI want the whole answer. Repeated fields
of the pages are concatenated; scalar fields keep the first page's values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Caller = Callable[[str, Any], Any]


def all_pages(call: Caller, method: str, request: Any) -> Any:
    """Calls ``method`` page by page; returns the pages merged into one response."""
    response = call(method, request)
    merged = type(response)()
    merged.CopyFrom(response)
    while response.next_page_token:
        request.options.page_token = response.next_page_token
        response = call(method, request)
        merged.MergeFrom(response)  # repeated fields append; scalars take the last page's
    merged.next_page_token = ""
    return merged
