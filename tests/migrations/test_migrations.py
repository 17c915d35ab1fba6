"""The packaged migrations build exactly the schema in ``mdstore.store.schema``.

On each backend: ``upgrade head`` on an empty database, then alembic's
autogenerate comparison against ``schema.metadata`` finds nothing to change; and
``ensure_current`` refuses a database whose schema is not at head.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from mdstore.errors import FailedPreconditionError
from mdstore.store.engine import create_db_engine
from mdstore.store.migrate import (
    alembic_config,
    current_revision,
    ensure_current,
    head_revision,
    upgrade,
)
from mdstore.store.schema import STRING_INDEX_DIALECTS, created_on, metadata
from tests.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
def empty_engine(
    request: pytest.FixtureRequest, fresh_database: Callable[[str, str], str]
) -> Iterator[Engine]:
    engine = create_db_engine(fresh_database(request.param, "migrations"), pool_size=2)
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
        return list(compare_metadata(context, metadata))


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
