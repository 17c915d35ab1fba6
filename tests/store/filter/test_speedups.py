"""Filter queries compile once, bind their literals, and use the value indexes.

Conjuncts on a property or an alias become ``id IN (subquery)`` where an index can
find the subquery's rows, else a correlated EXISTS (filter_query.semijoin). Both
forms must give the same answers: checked here on generated queries (SQLite) and
on the ml-metadata compat cases (every service). tests/compat/test_filter_oracle.py
checks the answers themselves against ml-metadata.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine.default import DefaultExecutionContext

from mdstore.embedded.list_options import ListOptions
from mdstore.errors import InvalidArgumentError, MdstoreError
from mdstore.service.dispatch import Service
from mdstore.store.db import schema
from mdstore.store.filter import compiler as filter_query
from mdstore.store.filter.compiler import compile_filter
from mdstore.store.filter.names import searchable
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, NodeKind
from mdstore.wire import mlmd
from tests.compat import filter_cases
from tests.helpers.filter_queries import FIELDS, CasesDatabase, queries
from tests.helpers.listing import in_subqueries

KINDS = {"artifact": ARTIFACT, "execution": EXECUTION, "context": CONTEXT}


@contextlib.contextmanager
def _forced(form: bool | None) -> Iterator[None]:
    """Compiles every group as a semi-join (True), an EXISTS (False) or as chosen (None)."""
    chosen = filter_query.semijoin
    if form is not None:
        filter_query.semijoin = lambda keys, members: form  # type: ignore[assignment]
    filter_query._compile.cache_clear()
    try:
        yield
    finally:
        filter_query.semijoin = chosen
        filter_query._compile.cache_clear()


def _sql(query: str, kind: NodeKind = ARTIFACT) -> str:
    statement = select(kind.table.c.id).where(compile_filter(query, kind))
    return str(statement.compile(dialect=sqlite.dialect()))


# ---------------------------------------------------------------- caching


def test_a_query_compiles_once_per_node_kind() -> None:
    query = "properties.p.int_value < 3 AND contexts_a.name = 'x'"
    assert compile_filter(query, ARTIFACT) is compile_filter(query, ARTIFACT)
    assert compile_filter(query, ARTIFACT) is not compile_filter(query, EXECUTION)


@pytest.mark.parametrize(
    "query", ["name = ", "properties.p.int_value = 'x'", "nosuch = 1", "contexts_.name = 'a'"]
)
def test_a_bad_query_raises_on_every_call(query: str) -> None:
    messages = []
    for _ in range(3):
        with pytest.raises(InvalidArgumentError) as caught:
            compile_filter(query, ARTIFACT)
        messages.append(caught.value.message)
    assert len(set(messages)) == 1
    assert re.search(r"\[at \d+:\d+\]$", messages[0]), messages[0]


def test_literals_stay_parameters_and_the_statement_cache_hits() -> None:
    service = Service("sqlite://")
    query = "custom_properties.owner.string_value = 'team-7' AND properties.size.int_value < 77"
    hits = []
    with service.database.engine.connect() as conn:
        for _ in range(3):
            statement = select(ARTIFACT.table.c.id).where(compile_filter(query, ARTIFACT))
            result = conn.execute(statement)
            context = result.context
            assert isinstance(context, DefaultExecutionContext)
            hits.append(context.cache_hit == context.dialect.CACHE_HIT)
            assert "team-7" not in context.statement
            assert "77" not in context.statement
            assert {"team-7", 77, "owner", "size"} <= set(context.compiled.params.values())
    service.close()
    assert hits == [False, True, True]


# ---------------------------------------------------------------- which form


def _form(sql: str) -> str:
    where = sql.split("WHERE", 1)[1]
    if "EXISTS" in where:
        return "EXISTS" if " IN (SELECT" not in where else "both"
    return "IN" if " IN (SELECT" in where else "none"


@pytest.mark.parametrize(
    ("query", "form"),
    [
        # An index on (name, is_custom_property, int_value) finds the rows.
        ("properties.size.int_value < 100", "IN"),
        ("properties.size.int_value BETWEEN 1 AND 9", "IN"),
        ("properties.size.int_value IN (1, 2)", "IN"),
        ("properties.size.int_value < 10 OR properties.size.int_value > 90", "IN"),
        ("custom_properties.score.double_value >= 0.5", "IN"),
        ("properties.size.int_value = 1 AND properties.size.string_value = 'x'", "IN"),
        # The context name index, or a neighbour's primary key.
        ("contexts_run.name = 'bench-run-3'", "IN"),
        ("contexts_run.id = 3", "IN"),
        ("events_e.execution_id = 3", "IN"),
        # Nothing an index finds: each node is probed instead.
        ("custom_properties.flag.bool_value = TRUE", "EXISTS"),
        ("properties.size.int_value != 5", "EXISTS"),
        ("NOT properties.size.int_value < 5", "EXISTS"),
        ("properties.size.int_value IS NULL", "EXISTS"),
        ("properties.size.int_value + 1 < 5", "EXISTS"),
        ("properties.size.int_value < 5 OR properties.flag.bool_value = TRUE", "EXISTS"),
        ("contexts_run.type = 'Run'", "EXISTS"),
        ("contexts_run.name LIKE 'bench%'", "EXISTS"),
        ("events_e.type = INPUT", "EXISTS"),
        # The node's own columns would correlate the subquery anyway.
        ("properties.size.int_value < 5 OR uri = 'x'", "EXISTS"),
        ("properties.size.int_value < id", "EXISTS"),
    ],
)
def test_the_form_follows_the_indexes(query: str, form: str) -> None:
    assert _form(_sql(query)) == form


def test_string_values_are_a_semi_join_only_with_an_index() -> None:
    indexed = searchable(schema.artifact_property_table, ("name", "is_custom_property"))
    query = "custom_properties.owner.string_value = 'team-7' AND uri LIKE 'gs://b/%'"
    assert _form(_sql(query)) == ("IN" if "string_value" in indexed else "EXISTS")


def test_each_group_gets_its_own_subquery_and_the_semi_join_is_not_correlated() -> None:
    sql = _sql("contexts_a.name = 'x' AND contexts_a.type = 'y' AND contexts_b.id = 1 AND id > 0")
    subqueries = in_subqueries(sql)
    assert len(subqueries) == 2
    assert "JOIN" not in sql.split("WHERE", 1)[0]
    for subquery in subqueries:
        assert "artifact." not in subquery  # only aliases: it runs once, not once per row


def test_a_group_over_two_scopes_ties_them_to_one_node() -> None:
    query = "properties.a.int_value = 1 AND (properties.a.int_value > 0 OR properties.b.bool_value)"
    (subquery,) = in_subqueries(_sql(query))
    assert "artifact_property_2.artifact_id = artifact_property_1.artifact_id" in subquery


# ---------------------------------------------------------------- query plans (SQLite)


def _plan(service: Service, query: str, kind: NodeKind = ARTIFACT) -> str:
    table = kind.table
    statement = select(table.c.id).where(compile_filter(query, kind))
    statement = statement.where(table.c.id > 0).order_by(table.c.id).limit(101)
    compiled = statement.compile(dialect=service.database.engine.dialect)
    params = tuple(compiled.params[name] for name in compiled.positiontup or [])
    with service.database.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
    return "\n".join(row[3] for row in rows)


@pytest.fixture(scope="module")
def memory_service() -> Iterator[Service]:
    service = Service("sqlite://")
    yield service
    service.close()


def _needs_index(table: Any, fixed: tuple[str, ...], column: str) -> None:
    if column not in searchable(table, fixed):
        pytest.skip(f"schema.py has no index on {table.name} {(*fixed, column)}")


def test_a_property_comparison_is_an_index_range(memory_service: Service) -> None:
    _needs_index(schema.artifact_property_table, ("name", "is_custom_property"), "int_value")
    plan = _plan(memory_service, "properties.size.int_value < 100")
    assert "CORRELATED" not in plan
    assert "LIST SUBQUERY" in plan
    assert "(name=? AND is_custom_property=? AND int_value<?)" in plan


def test_a_context_name_is_an_index_lookup(memory_service: Service) -> None:
    _needs_index(schema.context_table, (), "name")
    plan = _plan(memory_service, "contexts_run.name = 'bench-run-3'")
    assert "CORRELATED" not in plan
    assert re.search(r"SEARCH context_1 USING (COVERING )?INDEX \w+ \(name=\?\)", plan), plan
    assert "attribution_1 USING COVERING INDEX" in plan


def test_a_probe_uses_the_primary_key(memory_service: Service) -> None:
    plan = _plan(memory_service, "custom_properties.flag.bool_value = TRUE AND uri = 'x'")
    assert "(artifact_id=? AND name=? AND is_custom_property=?)" in plan


def test_a_string_comparison_is_an_index_lookup(memory_service: Service) -> None:
    _needs_index(schema.artifact_property_table, ("name", "is_custom_property"), "string_value")
    plan = _plan(memory_service, "custom_properties.owner.string_value = 'team-7' AND uri = 'x'")
    assert "CORRELATED" not in plan
    assert "(name=? AND is_custom_property=? AND string_value=?)" in plan


# ---------------------------------------------------------------- both forms, same answers


def _answer(service: Service, query: str, kind: NodeKind, form: bool | None) -> Any:
    with _forced(form):
        try:
            statement = select(kind.table.c.id).where(compile_filter(query, kind))
        except InvalidArgumentError as e:
            return e.message
        with service.database.engine.connect() as conn:
            return sorted(conn.execute(statement).scalars())


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), kind=st.sampled_from(sorted(FIELDS)))
def test_both_forms_answer_alike_on_generated_queries(
    cases_database: CasesDatabase, data: Any, kind: str
) -> None:
    query = data.draw(queries(kind))
    service = cases_database.service
    answers = [_answer(service, query, KINDS[kind], form) for form in (None, True, False)]
    assert answers[0] == answers[1] == answers[2], query


def test_both_forms_answer_alike_on_the_compat_cases(store: Any) -> None:
    ids = filter_cases.populate(store, mlmd)
    answers = []
    for form in (None, True, False):
        with _forced(form):
            answers.append(_run_cases(store, ids))
    assert answers[0] == answers[1] == answers[2]


def _run_cases(store: Any, ids: dict[str, int]) -> dict[str, Any]:
    listers: dict[str, Callable[..., Any]] = {
        "artifact": store.get_artifacts,
        "execution": store.get_executions,
        "context": store.get_contexts,
    }
    results: dict[str, Any] = {}
    for case in filter_cases.CASES:
        try:
            options = ListOptions(filter_query=case.query.format(**ids))
            results[case.key] = sorted(n.id for n in listers[case.kind](list_options=options))
        except MdstoreError as e:
            results[case.key] = type(e).__name__
    return results
