"""Paging through every match of wide filters compiled as ``id IN (subquery)``.

On a page in id order after a token, the subquery keeps only the nodes after the
token too (mdstore.store.filter.compiler.AFTER_ID), so a deep page does not read every match. The
pages must still concatenate to exactly the matches, in order, in every order and
page size, including time orders, whose keyset the subquery cannot use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, Select, event, text

from mdstore.service.dispatch import Service
from mdstore.store.filter.compiler import AFTER_ID
from mdstore.wire import mlmd
from tests.helpers.listing import artifact_page, in_subqueries, list_options
from tests.helpers.types import INT

CREATE_TIME, ID = 1, 3
ROWS = 2100
BATCH = 150  # artifacts per put: they share a create time, so time orders have ties
ORDERS = [
    pytest.param(ID, True, id="id-asc"),
    pytest.param(ID, False, id="id-desc"),
    pytest.param(CREATE_TIME, True, id="create-asc"),
    pytest.param(CREATE_TIME, False, id="create-desc"),
]


def _owner(i: int) -> str:
    return "wide" if i % 3 else f"other-{i % 5}"


# Each query with which artifacts (by their index) it matches; all are semi-joins.
FILTERS: dict[str, Callable[[int], bool]] = {
    "custom_properties.owner.string_value = 'wide'": lambda i: _owner(i) == "wide",
    "properties.size.int_value < 700": lambda i: i % 1000 < 700,
    "contexts_c.name = 'ctx'": lambda i: i % 2 == 0,
    (
        "custom_properties.owner.string_value = 'wide' AND properties.size.int_value >= 100"
        " AND uri LIKE '/a/01%'"
    ): lambda i: _owner(i) == "wide" and i % 1000 >= 100 and f"{i:05d}".startswith("01"),
}


@pytest.fixture
def artifacts(caller: Any, store: Any, service: Service) -> dict[int, Any]:
    """ROWS artifacts by index, with a string and an int property; every second one
    is in context "ctx". Returns the stored artifacts by index.

    On PostgreSQL the tables are then ANALYZEd, as autovacuum would do a while after
    such a burst of writes: with the statistics of the (emptied, reused) test
    database, the planner expects one row per filter and pages in time order take
    ~100 ms each instead of ~2 ms, so the test took 2 s or 120 s depending on when
    autovacuum last ran. These tests are about which rows come back, not plans.
    """
    artifact_type = mlmd.ArtifactType(name="Item")
    artifact_type.properties["size"] = INT
    type_id = store.put_artifact_type(artifact_type)
    made: dict[int, Any] = {}
    for start in range(0, ROWS, BATCH):
        batch = []
        for i in range(start, start + BATCH):
            artifact = mlmd.Artifact(type_id=type_id, uri=f"/a/{i:05d}")
            artifact.properties["size"].int_value = i % 1000
            artifact.custom_properties["owner"].string_value = _owner(i)
            batch.append(artifact)
        made.update(zip(range(start, start + BATCH), store.put_artifacts(batch), strict=True))
    context_type = store.put_context_type(mlmd.ContextType(name="Group"))
    [context_id] = store.put_contexts([mlmd.Context(type_id=context_type, name="ctx")])
    members = [
        mlmd.Attribution(context_id=context_id, artifact_id=made[i]) for i in made if i % 2 == 0
    ]
    store.put_attributions_and_associations(members, [])
    if service.dialect == "postgresql":
        with service.database.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    by_id = {a.id: a for a in caller.call("GetArtifacts", mlmd.GetArtifactsRequest()).artifacts}
    return {i: by_id[artifact_id] for i, artifact_id in made.items()}


def _all_pages(caller: Any, query: str, field: int, asc: bool, size: int) -> list[list[int]]:
    pages, token = [], ""
    while True:
        ids, token = artifact_page(caller, list_options(field, asc, size, token, query=query))
        pages.append(ids)
        if not token:
            return pages


def _expected(matches: list[Any], field: int, asc: bool) -> list[int]:
    def key(a: Any) -> tuple[int, int]:
        return (a.id if field == ID else a.create_time_since_epoch, a.id)

    return [a.id for a in sorted(matches, key=key, reverse=not asc)]


@pytest.mark.parametrize(("field", "asc"), ORDERS)
def test_pages_of_a_wide_filter_hold_every_match_once_in_order(
    caller: Any, artifacts: dict[int, Any], field: int, asc: bool
) -> None:
    for query, matches in FILTERS.items():
        expected = _expected([a for i, a in artifacts.items() if matches(i)], field, asc)
        assert len(expected) > 20, query
        for size in (7, 100):
            pages = _all_pages(caller, query, field, asc, size)
            got = [i for page in pages for i in page]
            assert got == expected, (query, size)
            assert [len(p) for p in pages[:-1]] == [size] * (len(pages) - 1), (query, size)


@contextmanager
def _listings(engine: Engine) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Records the SQL (default dialect, named parameters) and the parameters of
    each SELECT executed on ``engine`` meanwhile."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(conn: Any, statement: Any, multiparams: Any, params: Any, options: Any) -> None:
        if isinstance(statement, Select):
            bound = dict(params or {})
            for more in multiparams or []:
                bound.update(more)
            seen.append((str(statement), bound))

    event.listen(engine, "before_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_execute", record)


@pytest.mark.parametrize(("asc", "sign"), [(True, ">"), (False, "<")])
def test_page_two_in_id_order_bounds_each_subquery_by_the_token(
    caller: Any, service: Service, artifacts: dict[int, Any], asc: bool, sign: str
) -> None:
    query = "custom_properties.owner.string_value = 'wide' AND contexts_c.name = 'ctx'"
    first, token = artifact_page(caller, list_options(ID, asc, 7, query=query))

    with _listings(service.database.engine) as listings:
        artifact_page(caller, list_options(ID, asc, 7, token, query=query))

    [(sql, params)] = [(s, p) for s, p in listings if "FROM artifact" in s]
    subqueries = in_subqueries(sql)
    assert len(subqueries) == 2
    for subquery in subqueries:
        assert re.search(rf"\w+\.artifact_id {sign} :{AFTER_ID}\)$", subquery), subquery
    assert params[AFTER_ID] == first[-1]


@pytest.mark.parametrize(("field", "token"), [(ID, False), (CREATE_TIME, True)])
def test_first_pages_and_time_orders_leave_the_subquery_whole(
    caller: Any, service: Service, artifacts: dict[int, Any], field: int, token: bool
) -> None:
    query = "custom_properties.owner.string_value = 'wide'"
    next_token = (
        artifact_page(caller, list_options(field, True, 7, query=query))[1] if token else ""
    )

    with _listings(service.database.engine) as listings:
        artifact_page(caller, list_options(field, True, 7, next_token, query=query))

    [(sql, params)] = [(s, p) for s, p in listings if "FROM artifact" in s]
    assert len(in_subqueries(sql)) == 1
    assert AFTER_ID not in sql
    assert AFTER_ID not in params
