"""The packaged migrations build exactly the schema in ``mdstore.store.schema``.

On each backend: ``upgrade head`` on an empty database, then alembic's
autogenerate comparison against ``schema.metadata`` finds nothing to change (nor
does a comparison of partial indexes' predicates, which alembic does not make);
and ``ensure_current`` refuses a database whose schema is not at head.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Dialect, Engine, inspect, select, text

from mdstore.errors import FailedPreconditionError
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.migrate import (
    alembic_config,
    current_revision,
    ensure_current,
    head_revision,
    upgrade,
)
from mdstore.store.db.schema import STRING_INDEX_DIALECTS, created_on, metadata
from mdstore.store.filter.compiler import AFTER_ID, compile_filter
from mdstore.store.records.kinds import ARTIFACT

NODES = ("artifact", "execution", "context")
# Link table -> its node column.
LINKS = {"attribution": "artifact_id", "association": "execution_id"}


@pytest.fixture
def empty_engine(backend_name: str, fresh_database: Callable[[str, str], str]) -> Iterator[Engine]:
    engine = create_db_engine(fresh_database(backend_name, "migrations"), pool_size=2)
    yield engine
    engine.dispose()


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        dialect = conn.dialect.name

        # As the migration environment does: indexes this dialect does not get are
        # not differences.
        def include(obj: object, name: object, type_: str, reflected: bool, other: object) -> bool:
            return type_ != "index" or reflected or created_on(obj, dialect)  # type: ignore[arg-type]

        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include}
        )
        found, declared = _predicates(conn), _declared_predicates(conn.dialect)
        predicates = [
            ("index predicate", name, found.get(name), declared.get(name))
            for name in sorted(found.keys() | declared.keys())
            if found.get(name) != declared.get(name)
        ]
        return list(compare_metadata(context, metadata)) + predicates


def _normal(predicate: str) -> str:
    """A WHERE clause with its case, brackets and spacing evened out."""
    return " ".join(re.sub(r"[()]", " ", predicate).lower().split())


def _predicates(conn: Connection) -> dict[str, str]:
    """The WHERE clause of each partial index in the database, by index name."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    elif conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
        )
    else:  # MySQL/MariaDB have no partial indexes
        return {}
    found = {}
    for name, sql in rows:
        match = re.search(r"\sWHERE\s(.+)$", sql or "", re.IGNORECASE | re.DOTALL)
        if match:
            found[name] = _normal(match.group(1))
    return found


def _declared_predicates(dialect: Dialect) -> dict[str, str]:
    """The WHERE clause schema.py gives each partial index it creates on ``dialect``."""
    declared = {}
    for table in metadata.tables.values():
        for index in table.indexes:
            where = index.dialect_kwargs.get(f"{dialect.name}_where")
            if where is None or not created_on(index, dialect.name):
                continue
            # As CREATE INDEX renders it: bare column names, values inline.
            kwargs = {"include_table": False, "literal_binds": True}
            declared[str(index.name)] = _normal(
                str(where.compile(dialect=dialect, compile_kwargs=kwargs))
            )
    return declared


def test_upgrade_head_matches_schema_metadata(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None

    upgrade(empty_engine)

    assert current_revision(empty_engine) == head_revision()
    tables = set(inspect(empty_engine).get_table_names())
    assert set(metadata.tables) | {"alembic_version"} == tables
    assert _diff(empty_engine) == []


def test_string_values_are_indexed_except_on_postgresql(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    indexes = inspect(empty_engine).get_indexes("artifact_property")
    expected = empty_engine.dialect.name in STRING_INDEX_DIALECTS
    assert any("string_value" in i["column_names"] for i in indexes) is expected
    # PostgreSQL has no such index because a btree entry could not hold this.
    long_string = "x" * 20_000
    with empty_engine.begin() as conn:
        conn.execute(text("INSERT INTO type (kind, name, version) VALUES (1, 't', '')"))
        conn.execute(
            text(
                "INSERT INTO artifact (type_id, create_time_since_epoch, "
                "last_update_time_since_epoch) VALUES (1, 0, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO artifact_property (artifact_id, name, is_custom_property, "
                "value_kind, string_value) VALUES (1, 'p', true, 3, :s)"
            ),
            {"s": long_string},
        )
        found = conn.execute(
            text("SELECT artifact_id FROM artifact_property WHERE string_value = :s"),
            {"s": long_string},
        ).all()
    assert found == [(1,)]


def _value_columns(engine: Engine) -> list[str]:
    columns = ["int_value", "double_value"]
    return columns + ["string_value"] if engine.dialect.name in STRING_INDEX_DIALECTS else columns


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        config = alembic_config(engine)
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_value_indexes_end_with_the_node_id_on_sqlite_only(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    found = sorted(
        i["column_names"] for i in inspect(empty_engine).get_indexes("execution_property")
    )
    tail = ["execution_id"] if empty_engine.dialect.name == "sqlite" else []
    values = sorted(_value_columns(empty_engine))
    assert found == [["name", "is_custom_property", v, *tail] for v in values]


def test_value_indexes_are_partial_on_sqlite_only(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    with empty_engine.connect() as conn:
        found = _predicates(conn)
    expected = {}
    if empty_engine.dialect.name == "sqlite":
        expected = {
            f"ix_{node}_property_name_{value}_{node}_id": f"{value} is not null"
            for node in NODES
            for value in _value_columns(empty_engine)
        }
    # PostgreSQL finds string properties' rows through its whole int index;
    # MySQL/MariaDB have no partial indexes.
    assert found == expected


def _sqlite_plan(engine: Engine, query: str) -> str:
    table = ARTIFACT.table
    statement = select(table.c.id).where(compile_filter(query, ARTIFACT, ">"))
    compiled = statement.compile(dialect=engine.dialect)
    values = compiled.construct_params({AFTER_ID: 0})
    params = tuple(values[name] for name in compiled.positiontup or [])
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
    return "\n".join(row[3] for row in rows)


@pytest.mark.parametrize(
    ("query", "value", "search"),
    [
        ("properties.p.int_value = 1", "int_value", "int_value=? AND artifact_id>?"),
        ("custom_properties.p.int_value < 1", "int_value", "int_value<?"),
        ("properties.p.int_value < 1.5", "int_value", "int_value<?"),
        ("properties.p.int_value BETWEEN 1 AND 2", "int_value", "int_value>? AND int_value<?"),
        ("properties.p.int_value IN (1, 2)", "int_value", "int_value=? AND artifact_id>?"),
        ("properties.p.double_value >= 0.5", "double_value", "double_value>?"),
        ("properties.p.string_value = 'a'", "string_value", "string_value=? AND artifact_id>?"),
        ("properties.p.string_value <= 'a'", "string_value", "string_value<?"),
    ],
)
def test_sqlite_searches_the_partial_value_indexes(
    tmp_path: Path, query: str, value: str, search: str
) -> None:
    # A comparison is false on NULL, and SQLite's planner knows it implies the
    # index's "<value> IS NOT NULL": the filter's semi-join still searches it.
    engine = create_db_engine(f"sqlite:///{tmp_path / 'plan.db'}", pool_size=1)
    upgrade(engine)

    plan = _sqlite_plan(engine, query)
    engine.dispose()

    index = f"ix_artifact_property_name_{value}_artifact_id"
    assert f"USING COVERING INDEX {index} (name=? AND is_custom_property=? AND {search})" in plan


def _link_indexes(engine: Engine, table: str) -> list[list[str]]:
    return [i["column_names"] for i in inspect(engine).get_indexes(table) if not i["unique"]]


def test_link_indexes_carry_the_context_id(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    for table, node_id in LINKS.items():
        assert _link_indexes(empty_engine, table) == [[node_id, "context_id"]]
    if empty_engine.dialect.name == "sqlite":
        with empty_engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT context_id FROM attribution WHERE artifact_id IN (?, ?)",
                (1, 2),
            ).all()
        # Found in the index alone, not read from the table row by row.
        assert "COVERING INDEX ix_attribution_artifact_id_context_id" in plan[0][3]


def test_downgrade_to_0004_restores_whole_value_indexes_and_link_indexes(
    empty_engine: Engine,
) -> None:
    upgrade(empty_engine)
    value_indexes = _index_columns(empty_engine, "context_property")

    _downgrade(empty_engine, "0004")

    with empty_engine.connect() as conn:
        assert _predicates(conn) == {}
    assert _index_columns(empty_engine, "context_property") == value_indexes
    for table, node_id in LINKS.items():
        assert _link_indexes(empty_engine, table) == [[node_id]]
    upgrade(empty_engine)
    assert _diff(empty_engine) == []


def _index_columns(engine: Engine, table: str) -> list[list[str]]:
    return sorted(i["column_names"] for i in inspect(engine).get_indexes(table))


def test_downgrade_to_0003_restores_its_value_indexes(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    _downgrade(empty_engine, "0003")

    names = {i["name"] for i in inspect(empty_engine).get_indexes("context_property")}
    expected = {
        f"ix_context_property_name_is_custom_property_{v}" for v in _value_columns(empty_engine)
    }
    assert names == expected
    upgrade(empty_engine)
    assert _diff(empty_engine) == []


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)

    assert current_revision(empty_engine) == head_revision()
    assert _diff(empty_engine) == []


def test_ensure_current_accepts_head(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    assert ensure_current(empty_engine, create_if_empty=False) == head_revision()


def test_ensure_current_creates_schema_on_empty_database_when_allowed(
    empty_engine: Engine,
) -> None:
    assert ensure_current(empty_engine, create_if_empty=True) == head_revision()

    assert current_revision(empty_engine) == head_revision()
    assert _diff(empty_engine) == []


def test_ensure_current_refuses_empty_database_when_not_allowed(empty_engine: Engine) -> None:
    with pytest.raises(FailedPreconditionError, match="mdstore db upgrade"):
        ensure_current(empty_engine, create_if_empty=False)

    assert current_revision(empty_engine) is None


def test_ensure_current_refuses_stale_schema(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'bogus0000'"))

    with pytest.raises(FailedPreconditionError, match="mdstore db upgrade") as raised:
        ensure_current(empty_engine, create_if_empty=True)

    assert "bogus0000" in raised.value.message
    assert current_revision(empty_engine) == "bogus0000"  # refused, not "repaired"


def test_ensure_current_refuses_foreign_tables(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        conn.execute(text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))

    with pytest.raises(FailedPreconditionError, match="mdstore db upgrade"):
        ensure_current(empty_engine, create_if_empty=True)

    assert "type" not in inspect(empty_engine).get_table_names()
