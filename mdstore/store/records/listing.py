"""Pages of nodes: ListOperationOptions' ordering, page size, filter and keyset tokens.

Pages are cut by keyset ("rows after (order value, id) of the last row"), never by
OFFSET, so rows inserted by other clients while someone pages never make a page
skip or repeat a row. The token is opaque to clients: base64 of a
ListOperationNextPageToken that records the options it was made for; reusing it
with other options is INVALID_ARGUMENT, as in MLMD. Unlike MLMD, any
max_result_size is honoured (MLMD silently caps pages at 100).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import DecodeError
from sqlalchemy import ColumnElement, Select, and_, or_, select, true

from mdstore.errors import InvalidArgumentError
from mdstore.store.db.transactions import Transaction
from mdstore.store.filter.compiler import AFTER_ID, compile_filter
from mdstore.store.records.kinds import MEMBER_LINKS, NodeKind
from mdstore.store.records.nodes import node_query
from mdstore.wire import mlmd

_CREATE_TIME, _LAST_UPDATE_TIME, _ID = 1, 2, 3


@dataclass(frozen=True)
class NodePage:
    """One page of nodes: ``(id, proto, create time, update time)`` rows, and the
    token of the next page ('' after the last)."""

    rows: list[Any]
    next_page_token: str


def list_page(
    conn: Transaction,
    kind: NodeKind,
    options: Any | None,
    *,
    type_id: int | None = None,
    context_id: int | None = None,
) -> NodePage:
    """One page of the nodes of ``kind``, of one type or of one context's members.

    Args:
        conn: the request's transaction.
        kind: the node kind listed.
        options: the request's ListOperationOptions, None when it has none (all
            nodes, in id order).
        type_id: only nodes of this type.
        context_id: only artifacts (executions) attributed (associated) to this context.

    Raises:
        InvalidArgumentError: bad options, token or filter query.
    """
    where: ColumnElement[bool] = true()
    if type_id is not None:
        where = kind.table.c.type_id == type_id
    if context_id is not None:
        link = MEMBER_LINKS[kind.label]
        members = select(link.c[f"{kind.label}_id"]).where(link.c.context_id == context_id)
        where = and_(where, kind.table.c.id.in_(members))
    page = parse(options, kind.table)
    keyset = id_keyset(page)
    params = {} if keyset is None else {AFTER_ID: keyset[1]}
    if options is not None and options.filter_query:
        after = None if keyset is None else keyset[0]
        where = and_(where, compile_filter(options.filter_query, kind, after))
    rows = conn.execute(apply(node_query(kind).where(where), page), params).all()
    kept, token = finish(list(rows), page, lambda r: r._mapping[page.order_column])
    return NodePage(kept, token)


@dataclass(frozen=True)
class Page:
    """How to cut one page from a query over a node table."""

    limit: int | None  # None: no options were given, return everything
    order_column: Any
    id_column: Any
    ascending: bool
    after: tuple[int, int] | None  # (order value, id) of the previous page's last row
    options: Any | None


def parse(options: Any | None, table: Any) -> Page:
    """Reads the request's ListOperationOptions (None when the request has none).

    Raises:
        InvalidArgumentError: a non-positive size, or a token that is malformed or
            was made for other options.
    """
    if options is None:
        return Page(None, table.c.id, table.c.id, True, None, None)
    if options.max_result_size <= 0:
        raise InvalidArgumentError("max_result_size must be a positive number")
    field = options.order_by_field.field if options.HasField("order_by_field") else _ID
    column = {
        _CREATE_TIME: table.c.create_time_since_epoch,
        _LAST_UPDATE_TIME: table.c.last_update_time_since_epoch,
    }.get(field, table.c.id)
    ascending = options.order_by_field.is_asc if options.HasField("order_by_field") else True
    after = _decode(options) if options.next_page_token else None
    return Page(options.max_result_size, column, table.c.id, ascending, after, options)


def apply(query: Select[Any], page: Page) -> Select[Any]:
    """Adds ORDER BY, the keyset condition and LIMIT (one extra row to detect more)."""
    order, ident = page.order_column, page.id_column
    if page.after is not None:
        query = query.where(_after(order, ident, page.ascending, *page.after))
    # id breaks ties between equal timestamps, so the order is total.
    if page.ascending:
        query = query.order_by(order.asc(), ident.asc())
    else:
        query = query.order_by(order.desc(), ident.desc())
    if page.limit is not None:
        query = query.limit(page.limit + 1)
    return query


def id_keyset(page: Page) -> tuple[str, int] | None:
    """``(">" or "<", last id)`` for a page in id order after a token, else None.

    What ``compile_filter``'s ``after`` and its ``AFTER_ID`` parameter take. In a
    time order the keyset is on a column subqueries do not have, so there is none.
    """
    if page.after is None or page.order_column is not page.id_column:
        return None
    return (">" if page.ascending else "<", page.after[1])


def _after(
    order: Any, ident: Any, ascending: bool, value: int, last_id: int
) -> ColumnElement[bool]:
    if order is ident:
        bound: ColumnElement[bool] = ident > last_id if ascending else ident < last_id
        return bound
    if ascending:
        return or_(order > value, and_(order == value, ident > last_id))
    return or_(order < value, and_(order == value, ident < last_id))


def finish(rows: list[Any], page: Page, order_value: Any) -> tuple[list[Any], str]:
    """Trims the extra row and returns (rows of this page, next_page_token or '')."""
    if page.limit is None or len(rows) <= page.limit:
        return rows, ""
    rows = rows[: page.limit]
    last = rows[-1]
    return rows, _encode(page.options, order_value(last), last.id)


def _encode(options: Any, value: int, last_id: int) -> str:
    set_options = mlmd.ListOperationOptions()
    set_options.CopyFrom(options)
    set_options.ClearField("next_page_token")
    token = mlmd.ListOperationNextPageToken(
        id_offset=last_id, field_offset=value, set_options=set_options
    )
    return base64.urlsafe_b64encode(token.SerializeToString(deterministic=True)).decode()


def _decode(options: Any) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(options.next_page_token.encode())
        token = mlmd.ListOperationNextPageToken.FromString(raw)
    except (binascii.Error, DecodeError, ValueError) as e:
        raise InvalidArgumentError("next_page_token is not a token this server issued") from e
    current = mlmd.ListOperationOptions()
    current.CopyFrom(options)
    current.ClearField("next_page_token")
    if not token.HasField("set_options") or _key(token.set_options) != _key(current):
        raise InvalidArgumentError(
            "next_page_token was issued for different list options (order, filter or size)"
        )
    return token.field_offset, token.id_offset


def _key(options: Any) -> tuple[Any, ...]:
    has_order = options.HasField("order_by_field")
    return (
        options.order_by_field.field if has_order else _ID,
        options.order_by_field.is_asc if has_order else True,
        options.filter_query,
    )
