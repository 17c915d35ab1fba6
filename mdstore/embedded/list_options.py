"""Listing options for the embedded ``MetadataStore`` and the paging loop behind them.

``ListOptions`` and ``OrderByField`` have the field and member names of their
ml_metadata namesakes, so code written for ``ml_metadata.MetadataStore`` runs
unchanged. This module imports no database code: it only needs the wire messages.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mdstore.errors import InvalidArgumentError
from mdstore.wire import mlmd

PAGE_SIZE = 100
"""Rows asked for per page; ml_metadata's client asks for the same."""

_Field = mlmd.ListOperationOptions.OrderByField


@enum.unique
class OrderByField(enum.Enum):
    """The column a listing is ordered by; values are the wire enum numbers."""

    CREATE_TIME = _Field.CREATE_TIME
    UPDATE_TIME = _Field.LAST_UPDATE_TIME
    ID = _Field.ID


@dataclass
class ListOptions:
    """How to filter, order and cut a listing of artifacts, executions or contexts.

    Attributes:
        limit: the most nodes to return; ``None`` (or ``0``, as in ml_metadata)
            returns all of them, page by page.
        order_by: the column to order by; ``None`` leaves the order to the store.
        is_asc: ascending order when true; ignored without ``order_by``.
        filter_query: an MLMD filter expression on node attributes and directly
            linked nodes, e.g. ``"uri LIKE 's3://%' AND type = 'Model'"``.
    """

    limit: int | None = None
    order_by: OrderByField | None = None
    is_asc: bool = True
    filter_query: str | None = None


Caller = Callable[[str, Any], Any]


def list_all(
    call: Caller,
    method: str,
    field: str,
    request: Any,
    list_options: ListOptions | None = None,
) -> list[Any]:
    """Calls a listing method page by page until the limit or the last page.

    Args:
        call: sends ``(method name, request)`` and returns the response.
        method: the MetadataStoreService method, e.g. ``"GetArtifacts"``.
        field: the response's repeated field holding the nodes, e.g. ``"artifacts"``.
        request: the request without ``options``; this function sets them.
        list_options: filter, order and limit; ``None`` sends no options.

    Returns:
        The nodes of all pages, in the order the store returned them.

    Raises:
        InvalidArgumentError: ``list_options.limit`` is negative, or the store
            rejected the options (e.g. a malformed filter query).
    """
    remaining = _apply(request, list_options)
    nodes: list[Any] = []
    while True:
        if remaining is not None and remaining < PAGE_SIZE:
            request.options.max_result_size = remaining
        response = call(method, request)
        page = getattr(response, field)
        nodes.extend(page)
        if remaining is not None:
            remaining -= len(page)
            if remaining <= 0:
                break
        if not response.next_page_token:
            break
        request.options.next_page_token = response.next_page_token
    if list_options is not None and list_options.limit:
        del nodes[list_options.limit :]
    return nodes


def _apply(request: Any, list_options: ListOptions | None) -> int | None:
    """Copies ``list_options`` into ``request.options``; returns the limit if any."""
    if list_options is None:
        return None
    if list_options.limit and list_options.limit < 1:
        raise InvalidArgumentError(
            f"list_options.limit must be at least 1, got {list_options.limit}"
        )
    options = request.options
    options.max_result_size = PAGE_SIZE
    options.order_by_field.is_asc = list_options.is_asc
    if list_options.order_by is not None:
        # ``.value`` also accepts ml_metadata's own OrderByField members.
        options.order_by_field.field = getattr(
            list_options.order_by, "value", list_options.order_by
        )
    if list_options.filter_query:
        options.filter_query = list_options.filter_query
    return list_options.limit or None
