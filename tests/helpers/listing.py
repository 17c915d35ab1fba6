"""Helpers for tests that list nodes page by page or read the SQL of a listing."""

from __future__ import annotations

import re
from typing import Any

from mdstore.wire import mlmd


def list_options(field: int, asc: bool, size: int, token: str = "", query: str = "") -> Any:
    """ListOperationOptions ordered by ``field`` (an OrderByField.Field number)."""
    options = mlmd.ListOperationOptions(
        max_result_size=size, filter_query=query, next_page_token=token
    )
    options.order_by_field.field = field
    options.order_by_field.is_asc = asc
    return options


def artifact_page(caller: Any, options: Any) -> tuple[list[int], str]:
    """One GetArtifacts page through ``caller`` (anything with ``call(method,
    request)``): its artifact ids and the next page token."""
    response = caller.call("GetArtifacts", mlmd.GetArtifactsRequest(options=options))
    return [a.id for a in response.artifacts], response.next_page_token


def in_subqueries(sql: str) -> list[str]:
    """The text of each ``IN (SELECT ...)`` in ``sql``, up to its closing parenthesis."""
    found = []
    for match in re.finditer(r" IN \(SELECT", sql):
        depth, start = 0, match.start() + 4
        for end in range(start, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                found.append(sql[start : end + 1])
                break
    return found
