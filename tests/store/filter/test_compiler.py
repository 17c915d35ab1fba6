"""The filter-query parser and compiler: syntax, names, types, SQL shape and semantics.

Expressions are compiled without a server; semantic checks run them on an
in-memory SQLite store. The full comparison with ml-metadata itself lives in
tests/compat/test_filter_oracle.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import mysql, postgresql, sqlite

from mdstore.embedded.list_options import ListOptions
from mdstore.embedded.store import MetadataStore
from mdstore.errors import InvalidArgumentError
from mdstore.service.dispatch import Service
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.transactions import run_in_transaction
from mdstore.store.filter import compiler as filter_query
from mdstore.store.filter.compiler import compile_filter, decode_string, parse_int
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, NodeKind
from mdstore.wire import mlmd

KINDS = {"artifact": ARTIFACT, "execution": EXECUTION, "context": CONTEXT}
ALL = ("artifact", "execution", "context")
DIALECTS = [sqlite.dialect(), postgresql.dialect(), mysql.dialect()]


def _rejects(query: str, kind: NodeKind = ARTIFACT) -> str:
    with pytest.raises(InvalidArgumentError) as caught:
        compile_filter(query, kind)
    return caught.value.message


# ---------------------------------------------------------------- what parses

# ml-metadata's own list of valid queries (filter_query_ast_resolver_test), per kind.
VALID = [
    ("id != 1", ALL),
    ("id IN (1, 3)", ALL),
    ("type_id = 1", ALL),
    ("type_id + 1 > 1", ALL),
    ("type = 'Dataset'", ALL),
    ("type IS NOT NULL", ALL),
    ("uri = 'abc'", ("artifact",)),
    ("uri like 'abc'", ("artifact",)),
    ("name = 'a'", ALL),
    ("external_id = 'a'", ALL),
    ("create_time_since_epoch + 1 > 1", ALL),
    ("last_update_time_since_epoch > 1", ALL),
    ("contexts_0.id = 1", ("artifact", "execution")),
    ("contexts_abc.type = 'foo'", ("artifact", "execution")),
    ("contexts_abc.last_update_time_since_epoch = 1", ("artifact", "execution")),
    ("artifacts_2.name = '1'", ("context",)),
    ("artifacts_abc.create_time_since_epoch = 1", ("context",)),
    ("executions_0.id = 1", ("context",)),
    ("executions_abc.type = 'foo'", ("context",)),
    ("NOT(type_id = 1)", ALL),
    ("NOT(type_id = 1) AND (contexts_foo.type = 'bar' OR uri like 'x%')", ("artifact",)),
    ("properties.0.int_value = 1", ALL),
    ("properties.bar_baz.double_value IS NOT NULL", ALL),
    ("properties.qux.bool_value = true", ALL),
    ("custom_properties.0.double_value > 1.0", ALL),
    ("custom_properties.3.bool_value != false", ALL),
    ("properties.`0:b`.int_value = 1", ALL),
    ("custom_properties.`0 b`.string_value != '1'", ALL),
    ("child_contexts_0.id = 1", ("context",)),
    ("parent_contexts_abc.type = 'foo'", ("context",)),
    ("state = PENDING", ("artifact",)),
    ("state=PENDING", ("artifact",)),
    ("state IN (PENDING, LIVE)", ("artifact",)),
    ("state NOT IN (DELETED)", ("artifact",)),
    ("state IS NULL", ("artifact",)),
    ("last_known_state!=COMPLETE", ("execution",)),
    ("last_known_state IN (COMPLETE, RUNNING)", ("execution",)),
    ("events_0.execution_id = 1", ("artifact",)),
    ("events_0.artifact_id = 1", ("execution",)),
    ("events_0.type IN (OUTPUT, DECLARED_OUTPUT)", ("artifact", "execution")),
    ("artifacts_a.state = LIVE", ("context",)),
    ("executions_e.last_known_state = RUNNING", ("context",)),
    ("id BETWEEN 1 AND 2 AND name NOT LIKE 'x%'", ALL),
    ("lower(name) = 'a' OR upper(name) = 'A' OR length(name) = 1 OR abs(id) = 1", ALL),
    ("(id = 1) IS NOT TRUE", ALL),
    ("id / 2 = 0.5 AND -id < 0 AND id * 2 > 1 AND id - 1 >= 0", ALL),
    ("name = r'x' OR name = '''y''' OR name = \"z\" OR name = 'a\\'b\\x41\\u00e9\\101'", ALL),
    ("id = 0x1F -- comment\n AND /* block */ id > 0 # another", ALL),
]


@pytest.mark.parametrize(
    ("query", "kind"), [(q, k) for q, kinds in VALID for k in kinds], ids=lambda v: str(v)
)
def test_valid_queries_compile(query: str, kind: str) -> None:
    compile_filter(query, KINDS[kind])


# ---------------------------------------------------------------- what does not

# (query, kinds, expected message fragment): ml-metadata's invalid list, and more.
INVALID = [
    ("", ALL, "Unexpected end of expression"),
    ("a == 'a'", ALL, "Syntax error"),
    ("a", ALL, "Unrecognized name: a"),
    ("'a'", ALL, "not a valid boolean expression"),
    ("type_id", ALL, "not a valid boolean expression"),
    ("id = 'a'", ALL, "for arguments id (INT64), 'a' (STRING)"),
    ("type = 1", ALL, "for arguments type (STRING), 1 (INT64)"),
    ("uri = 1", ("artifact",), "No matching signature"),
    ("uri = 1", ("execution", "context"), "Unrecognized name: uri"),
    ("create_time_since_epoch = a", ALL, "Unrecognized name: a"),
    ("contexts", ALL, "Unrecognized name: contexts"),
    ("contexts_0.foo = 1", ("artifact", "execution"), "Field name foo does not exist"),
    ("contexts_0.id.bar = 1", ("artifact", "execution"), "Cannot access field bar"),
    ("contexts_0.id.", ("artifact", "execution"), "Syntax error"),
    ("contexts_0.name = 'x'", ("context",), "Unrecognized name: contexts_0"),
    ("artifacts_0.foo = 1", ("context",), "Field name foo does not exist"),
    ("executions_0.id.bar = 1", ("context",), "Cannot access field bar"),
    ("properties", ALL, "Unrecognized name: properties"),
    ("properties.foo", ALL, "Unrecognized name: properties"),
    ("properties.bar.", ALL, "Syntax error"),
    ("properties.baz.int", ALL, "Field name int does not exist"),
    ("properties.0:b.int_value = 1", ALL, "Syntax error"),
    ("properties.p.INT_VALUE = 1", ALL, "Unrecognized name: properties"),
    ("parent_contexts_0.foo = 1", ("context",), "Field name foo does not exist"),
    ("child_contexts_0.external_id = 'x'", ("context",), "Field name external_id"),
    ("state", ("artifact",), "not a valid boolean expression"),
    ("state = 'LIVE'", ("artifact",), "No matching signature"),
    ("state = 1", ("artifact",), "Unsupported enum value specified in the query: 1"),
    ("state = RUNNING", ("artifact",), "Unsupported enum value"),
    ("last_known_state = 1", ("execution",), "Unsupported enum value"),
    ("last_known_state = LIVE", ("execution",), "Unsupported enum value"),
    ("last_known_state IN ()", ("execution",), "Syntax error"),
    ("last_known_state NOT IN (PENDING)", ("execution",), "in the query: PENDING"),
    ("state > LIVE", ("artifact",), "Unrecognized name: LIVE"),
    ("events_0.field_1 = '1'", ("artifact", "execution"), "Field name field_1 does not exist"),
    ("events_0.type = SOME_ENUM", ("artifact", "execution"), "Unsupported enum value"),
    ("events_0.type IN (SOME_ENUM)", ("artifact", "execution"), "SOME_ENUM"),
    ("events_0.artifact_id = 1", ("artifact",), "Field name artifact_id does not exist"),
    ("events_0.execution_id = 1", ("execution",), "Field name execution_id does not exist"),
    ("events_0.artifact_id = 1", ("context",), "Unrecognized name: events_0"),
    ("name = NULL", ALL, "Operands of = cannot be literal NULL"),
    ("NOT NULL", ALL, "Operands of NOT cannot be literal NULL"),
    ("name LIKE 1", ALL, "operator LIKE for argument 1 (INT64)"),
    ("id IN (1, 'a')", ALL, "operator IN"),
    ("id = 1 AND name", ALL, "operator AND for argument name (STRING)"),
    ("id IS TRUE", ALL, "IS TRUE"),
    ("lower(id) = 'x'", ALL, "function LOWER: id (INT64)"),
    ("lower() = 'x'", ALL, "no arguments"),
    ("nope(id) = 1", ALL, "Function not found: nope"),
    ("name = 'a\\q'", ALL, "Illegal escape sequence: \\q"),
    ("name = '\\ud800'", ALL, "Illegal escape sequence"),
    ("name = 'a\\x00'", ALL, "NUL"),
    ("id = 18446744073709551616", ALL, "Invalid integer literal"),
    ("id = 1e999", ALL, "Invalid floating point literal"),
    ("id = 1 = 1", ALL, "Syntax error"),
    ("id % 2 = 1", ALL, "Illegal input character '%'"),
]


@pytest.mark.parametrize(
    ("query", "kind", "fragment"),
    [(q, k, f) for q, kinds, f in INVALID for k in kinds],
    ids=lambda v: str(v),
)
def test_invalid_queries_are_invalid_argument(query: str, kind: str, fragment: str) -> None:
    assert fragment in _rejects(query, KINDS[kind])


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ("name = 'a1' AND", "[at 1:16]"),
        ("name = 'a1", "[at 1:8]"),
        ("id % 2 = 1", "[at 1:4]"),
        ("id = 1 AND\n  bogus = 2", "[at 2:3]"),
        ("id = 1 AND\n  name = 1", "[at 2:3]"),
        ("id = 1 OR properties.p.int_value = 'x'", "[at 1:11]"),
        ("id IN (1,\n 2", "[at 2:3]"),
    ],
)
def test_errors_name_the_position(query: str, position: str) -> None:
    assert _rejects(query).endswith(position)


def test_type_errors_name_the_offending_operands() -> None:
    message = _rejects("custom_properties.version.int_value = 'two'")
    assert "custom_properties.version.int_value (INT64)" in message
    assert "'two' (STRING)" in message


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    assert "nested deeper" in _rejects("NOT " * 5000 + "id = 1")
    assert "nested deeper" in _rejects("id" + " + 1" * 100 + " = 1")
    compile_filter("(" * 5000 + "id = 1" + ")" * 5000, ARTIFACT)  # parentheses alone are free


def test_too_many_literals_are_refused() -> None:
    assert "literals" in _rejects(" OR ".join(["id = 1"] * (filter_query.MAX_LITERALS + 1)))


def test_literal_decoding() -> None:
    assert decode_string("'a\\nb'") == ("a\nb", None)
    assert decode_string("r'a\\nb'") == ("a\\nb", None)
    assert decode_string("'''it's'''") == ("it's", None)
    assert decode_string("'\\101\\x42\\u00e9\\U0001F600'") == ("ABé\U0001f600", None)
    assert decode_string("'\\400'")[1] is not None
    assert parse_int("0x10") == 16
    assert parse_int("9223372036854775808", negative=True) == -(2**63)
    assert parse_int("9223372036854775808") == float(2**63)
    assert parse_int("1" + "0" * 30) is None


# ---------------------------------------------------------------- SQL shape


def test_values_are_bound_parameters_never_sql_text() -> None:
    secret = "x' OR '1'='1"
    query = (
        f'name = "{secret}" AND properties.`my prop`.int_value = 424242 '
        "AND uri LIKE 'zz_secret%' AND contexts_c.name IN ('ctx_secret')"
    )
    expression = compile_filter(query, ARTIFACT)
    for dialect in DIALECTS:
        compiled = select(ARTIFACT.table.c.id).where(expression).compile(dialect=dialect)
        sql, params = str(compiled), list(compiled.params.values())
        for value in (secret, 424242, "zz_secret%", "ctx_secret", "my prop"):
            assert str(value) not in sql
            assert value in params


def test_one_alias_is_one_subquery_and_no_join_at_top_level() -> None:
    expression = compile_filter(
        "contexts_a.name = 'x' AND contexts_a.type = 'y' AND contexts_b.id = 1 AND id > 0",
        ARTIFACT,
    )
    sql = str(select(ARTIFACT.table.c.id).where(expression).compile(dialect=sqlite.dialect()))
    # One per alias: `artifact.id IN (SELECT ...)` or a correlated EXISTS (the compiler).
    assert sql.count("EXISTS") + sql.count(" IN (SELECT") == 2
    assert "JOIN" not in sql.split("WHERE", 1)[0]


# ---------------------------------------------------------------- semantics on SQLite


@pytest.fixture(scope="module")
def sample_service() -> Iterator[Service]:
    """A ``Service`` on an in-memory SQLite database holding ``_populate``'s nodes."""
    service = Service("sqlite://")
    _populate(MetadataStore(service))
    yield service
    service.close()


@pytest.fixture
def sample_store(sample_service: Service) -> MetadataStore:
    return MetadataStore(sample_service)


def _populate(store: MetadataStore) -> None:
    at = mlmd.ArtifactType(name="Data")
    at.properties["p"] = 1  # INT
    type_id = store.put_artifact_type(at)
    ct = store.put_context_type(mlmd.ContextType(name="Ctx"))
    arts = [mlmd.Artifact(type_id=type_id, name=n, uri=f"s3://{n}") for n in ("a", "b", "c")]
    arts[0].properties["p"].int_value = 1
    arts[1].properties["p"].int_value = 2
    arts[0].state = mlmd.Artifact.LIVE
    arts[1].state = mlmd.Artifact.DELETED
    ids = store.put_artifacts(arts)
    x, y = store.put_contexts([mlmd.Context(type_id=ct, name=n) for n in ("x", "y")])
    store.put_attributions_and_associations(
        [
            mlmd.Attribution(artifact_id=ids[0], context_id=x),
            mlmd.Attribution(artifact_id=ids[0], context_id=y),
            mlmd.Attribution(artifact_id=ids[1], context_id=y),
        ],
        [],
    )


def _names(store: MetadataStore, query: str) -> list[str]:
    return sorted(a.name for a in store.get_artifacts(list_options=ListOptions(filter_query=query)))


@pytest.mark.parametrize(
    ("query", "names"),
    [
        # A mentioned property must exist, even under != and NOT (MLMD inner-joins it).
        ("properties.p.int_value != 1", ["b"]),
        ("NOT properties.p.int_value = 1", ["b"]),
        ("properties.p.int_value = 1 OR name = 'c'", ["a"]),
        ("properties.p.int_value IS NULL", []),
        # One alias is one neighbour; two aliases are independent.
        ("contexts_k.name = 'x' AND contexts_k.name = 'y'", []),
        ("contexts_k.name = 'x' AND contexts_l.name = 'y'", ["a"]),
        ("NOT contexts_k.name = 'x'", ["a", "b"]),
        # != and NOT IN on an enum also match a missing state.
        ("state != LIVE", ["b", "c"]),
        ("state NOT IN (LIVE)", ["b", "c"]),
        ("NOT state = LIVE", ["b"]),
        # LIKE ignores case; = does not.
        ("name LIKE 'A'", ["a"]),
        ("name = 'A'", []),
        ("name < 'b'", ["a"]),
    ],
)
def test_semantics(sample_store: MetadataStore, query: str, names: list[str]) -> None:
    assert _names(sample_store, query) == names


def test_deepest_allowed_expression_runs(sample_store: MetadataStore) -> None:
    depth = filter_query.MAX_DEPTH - 3
    assert _names(sample_store, "NOT " * depth + "name = 'a'") == (
        ["b", "c"] if depth % 2 else ["a"]
    )


# ---------------------------------------------------------------- property tests

_ATOMS = {
    "artifact": ["id", "type_id", "name", "uri", "state", "external_id", "type"],
    "execution": ["id", "name", "last_known_state", "create_time_since_epoch"],
    "context": ["id", "name", "type", "last_update_time_since_epoch"],
}
_ALIASES = {
    "artifact": ["contexts_a.name", "contexts_b.id", "events_e.type", "events_e.execution_id"],
    "execution": ["contexts_a.type", "events_e.artifact_id", "events_f.type"],
    "context": ["artifacts_a.uri", "executions_e.last_known_state", "parent_contexts_p.name",
                "child_contexts_c.id", "artifacts_a.state"],
}  # fmt: skip
_PROPERTIES = [
    f"{prefix}.{name}.{kind}_value"
    for prefix in ("properties", "custom_properties")
    for name in ("p", "`q r`", "0")
    for kind in ("int", "double", "string", "bool")
]
_LITERALS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=8).map(lambda s: "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"),
    st.sampled_from(["TRUE", "false", "NULL", "LIVE", "INPUT", "RUNNING", "0x1f", "1.5e3"]),
)


def _expressions(kind: str) -> st.SearchStrategy[str]:
    names = st.sampled_from(_ATOMS[kind] + _ALIASES[kind] + _PROPERTIES)
    leaf = st.one_of(names, _LITERALS, names.map(lambda n: f"lower({n})"))
    comparison = st.tuples(
        leaf, st.sampled_from(["=", "!=", "<>", "<", ">=", "LIKE", "NOT LIKE"]), leaf
    ).map(" ".join)
    predicate = st.one_of(
        comparison,
        st.tuples(leaf, st.lists(leaf, min_size=1, max_size=3)).map(
            lambda t: f"{t[0]} {'NOT IN' if len(t[1]) % 2 else 'IN'} ({', '.join(t[1])})"
        ),
        st.tuples(leaf, leaf, leaf).map(lambda t: f"{t[0]} BETWEEN {t[1]} AND {t[2]}"),
        leaf.map(lambda v: f"{v} IS NOT NULL"),
        st.tuples(leaf, leaf).map(lambda t: f"{t[0]} + {t[1]} * 2 > 1"),
        leaf,
    )
    return st.recursive(
        predicate,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from([" AND ", " OR "]), inner).map("".join),
            inner.map(lambda e: f"NOT ({e})"),
            inner.map(lambda e: f"({e}) IS TRUE"),
        ),
        max_leaves=8,
    )


def _run(engine: Any, query: str, kind: NodeKind) -> None:
    """Compiles and executes as list_nodes does; only InvalidArgumentError may come out.

    The SQL is also compiled for PostgreSQL and MySQL; the per-dialect constructs
    must render there too.
    """
    try:
        expression = compile_filter(query, kind)
    except InvalidArgumentError as e:
        problem = e.message
    else:
        problem = ""
    if problem:
        assert re.search(r"\[at \d+:\d+\]$|literals|UTF-8", problem), problem
        return
    statement = select(kind.table.c.id).where(expression)
    for dialect in DIALECTS:
        statement.compile(dialect=dialect)
    try:
        run_in_transaction(engine, lambda conn: conn.execute(statement).all(), read_only=True)
    except InvalidArgumentError as e:  # a value out of range for the database
        assert "out of range" in e.message, e.message  # noqa: PT017


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=st.text(max_size=60), kind=st.sampled_from(ALL))
def test_random_text_only_raises_invalid_argument(
    sample_service: Any, query: str, kind: str
) -> None:
    _run(sample_service.database.engine, query, KINDS[kind])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), kind=st.sampled_from(ALL))
def test_generated_queries_compile_to_sql_that_runs(
    sample_service: Any, data: Any, kind: str
) -> None:
    _run(sample_service.database.engine, data.draw(_expressions(kind)), KINDS[kind])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tokens=st.lists(
        st.sampled_from(
            [
                "id",
                "name",
                "=",
                "(",
                ")",
                "AND",
                "OR",
                "NOT",
                "'x'",
                "1",
                "IN",
                ",",
                "LIKE",
                "BETWEEN",
                "IS",
                "NULL",
                "properties.p.int_value",
                "contexts_a.name",
                "-",
                "`",
                "state",
                "LIVE",
                ".",
                "'",
                "\\",
                "TRUE",
                "lower",
                "\n",
            ]
        ),
        max_size=12,
    ),  # fmt: skip
    kind=st.sampled_from(ALL),
)
def test_token_soup_only_raises_invalid_argument(
    sample_service: Any, tokens: list[str], kind: str
) -> None:
    _run(sample_service.database.engine, " ".join(tokens), KINDS[kind])


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Any]:
    engine = create_db_engine(db_url, pool_size=1)
    yield engine
    engine.dispose()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), kind=st.sampled_from(ALL))
def test_generated_queries_run_on_every_backend(db_engine: Any, data: Any, kind: str) -> None:
    """The one test here on real databases: the SQL must also run on MySQL/PostgreSQL."""
    _run(db_engine, data.draw(_expressions(kind)), KINDS[kind])
