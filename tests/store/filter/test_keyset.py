"""Semi-joins bounded by the page's keyset (compile_filter's ``after``).

On a page in id order after a token, each ``id IN (subquery)`` also keeps only the
anchors past the token, so the database does not gather every match on every
page. That may change only the work done, never the rows: checked here on the
compiled SQL and, on generated queries, against the unbounded form.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections import namedtuple
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mdstore.errors import InvalidArgumentError
from mdstore.service.dispatch import Service
from mdstore.store.filter.compiler import AFTER_ID, compile_filter
from mdstore.store.records import listing as paging
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, NodeKind
from mdstore.wire import mlmd
from tests.compat import filter_cases
from tests.helpers.filter_queries import CasesDatabase, queries
from tests.helpers.listing import in_subqueries

CREATE_TIME, ID = 1, 3
KINDS = {"artifact": ARTIFACT, "context": CONTEXT}


def _sql(query: str, after: str | None, kind: NodeKind = ARTIFACT) -> str:
    return str(select(kind.table.c.id).where(compile_filter(query, kind, after)))


@pytest.mark.parametrize("after", [">", "<"])
def test_each_semi_join_is_bounded(after: str) -> None:
    query = "properties.size.int_value < 3 AND contexts_a.name = 'x' AND uri = 'u'"
    subqueries = in_subqueries(_sql(query, after))

    assert len(subqueries) == 2
    for subquery in subqueries:
        assert re.search(rf"\w+\.artifact_id {after} :{AFTER_ID}\)$", subquery), subquery


def test_a_semi_join_over_two_scopes_is_bounded_once() -> None:
    query = "properties.a.int_value = 1 AND (properties.a.int_value > 0 OR properties.b.bool_value)"
    [subquery] = in_subqueries(_sql(query, ">"))

    assert subquery.count(AFTER_ID) == 1


def test_correlated_exists_and_unbounded_forms_have_no_bound() -> None:
    assert AFTER_ID not in _sql("custom_properties.flag.bool_value = TRUE", ">")
    assert AFTER_ID not in _sql("properties.size.int_value < 3", None)


def test_each_bound_is_compiled_and_cached_apart() -> None:
    query = "properties.size.int_value < 3"
    assert compile_filter(query, ARTIFACT, ">") is compile_filter(query, ARTIFACT, ">")
    assert compile_filter(query, ARTIFACT, ">") is not compile_filter(query, ARTIFACT)
    assert compile_filter(query, ARTIFACT, ">") is not compile_filter(query, ARTIFACT, "<")


def test_an_unknown_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="after must be"):
        compile_filter("id = 1", ARTIFACT, ">=")


# ---------------------------------------------------------------- id_keyset

_Row = namedtuple("_Row", "id")


def _page(field: int, asc: bool, token: bool) -> paging.Page:
    options = mlmd.ListOperationOptions(max_result_size=1)
    options.order_by_field.field = field
    options.order_by_field.is_asc = asc
    if token:
        first = paging.parse(options, ARTIFACT.table)
        _, options.next_page_token = paging.finish([_Row(5), _Row(9)], first, lambda r: 1000)
    return paging.parse(options, ARTIFACT.table)


@pytest.mark.parametrize(
    ("field", "asc", "token", "expected"),
    [
        (ID, True, True, (">", 5)),
        (ID, False, True, ("<", 5)),
        (ID, True, False, None),
        (CREATE_TIME, True, True, None),
        (CREATE_TIME, False, True, None),
    ],
)
def test_id_keyset_only_for_id_order_after_a_token(
    field: int, asc: bool, token: bool, expected: tuple[str, int] | None
) -> None:
    assert paging.id_keyset(_page(field, asc, token)) == expected


def test_id_keyset_without_options() -> None:
    assert paging.id_keyset(paging.parse(None, ARTIFACT.table)) is None


# ---------------------------------------------------------------- same rows


def _rows(
    service: Service, query: str, kind: NodeKind, after: str, bounded: bool, last: int
) -> Any:
    table = kind.table
    try:
        condition = compile_filter(query, kind, after if bounded else None)
    except InvalidArgumentError as e:  # the same error either way
        return e.message
    keyset = table.c.id > last if after == ">" else table.c.id < last
    statement = select(table.c.id).where(condition, keyset).order_by(table.c.id)
    with service.database.engine.connect() as conn:
        return list(conn.execute(statement, {AFTER_ID: last}).scalars())


def test_bounded_filters_keep_the_rows_past_the_bound_on_the_compat_cases(
    cases_database: CasesDatabase,
) -> None:
    service, ids = cases_database.service, cases_database.ids
    kinds = {"artifact": ARTIFACT, "execution": EXECUTION, "context": CONTEXT}
    bounded_cases = 0
    for case in filter_cases.CASES:
        query, kind = case.query.format(**ids), kinds[case.kind]
        with contextlib.suppress(InvalidArgumentError):
            bounded_cases += AFTER_ID in _sql(query, ">", kind)
        for after, last in itertools.product((">", "<"), range(10)):
            unbounded = _rows(service, query, kind, after, False, last)
            assert _rows(service, query, kind, after, True, last) == unbounded, (query, after, last)
    assert bounded_cases > 20  # the cases do exercise the bound


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    kind=st.sampled_from(sorted(KINDS)),
    after=st.sampled_from([">", "<"]),
    last=st.integers(0, 8),
)
def test_a_bounded_filter_keeps_the_rows_past_the_bound(
    cases_database: CasesDatabase, data: Any, kind: str, after: str, last: int
) -> None:
    query = data.draw(queries(kind))
    service = cases_database.service
    answers = [_rows(service, query, KINDS[kind], after, b, last) for b in (False, True)]
    assert answers[0] == answers[1], query
