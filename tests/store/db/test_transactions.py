"""run_in_transaction: which integrity errors are retried, and what each becomes.

A unique-key violation is a race another writer may have won: the transaction is
run again (its rerun takes the "already exists" path of the request's logic), and
only a violation that outlives MAX_ATTEMPTS is ALREADY_EXISTS. A foreign-key
violation fails the same way every time: one attempt, FAILED_PRECONDITION. On every
backend (SQLite runs with foreign keys on).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from mdstore.errors import AlreadyExistsError, FailedPreconditionError
from mdstore.store.db import transactions
from mdstore.store.db.engine import create_db_engine
from mdstore.store.db.schema import event_table, type_table
from mdstore.store.db.transactions import MAX_ATTEMPTS, run_in_transaction

ARTIFACT_TYPE = 1  # type.kind of artifact types
INPUT = 3  # Event.Type INPUT
MISSING = 10**9  # no artifact or execution has this id


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture
def backoffs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The attempts after which run_in_transaction backed off (without sleeping)."""
    waited: list[int] = []
    monkeypatch.setattr(transactions, "_back_off", waited.append)
    return waited


class Attempts:
    """A work function that counts its runs; ``fail_first`` runs insert a row that
    violates a constraint, later runs insert a fine one."""

    def __init__(self, fail_first: int, violate: Callable[[Connection], None]) -> None:
        self.fail_first = fail_first
        self.violate = violate
        self.count = 0

    def __call__(self, conn: Connection) -> str:
        self.count += 1
        if self.count <= self.fail_first:
            self.violate(conn)
        _insert_type(conn, f"fine-{self.count}")
        return "done"


def _insert_type(conn: Connection, name: str) -> None:
    conn.execute(insert(type_table).values(kind=ARTIFACT_TYPE, name=name, version=""))


def _duplicate_type(conn: Connection) -> None:
    _insert_type(conn, "taken")  # committed before the test: a unique key violation


def _event_of_missing_nodes(conn: Connection) -> None:
    conn.execute(insert(event_table).values(artifact_id=MISSING, execution_id=MISSING, type=INPUT))


def _type_names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(type_table.c.name)).scalars())


@pytest.fixture
def taken(engine: Engine) -> None:
    with engine.begin() as conn:
        _insert_type(conn, "taken")


@pytest.mark.usefixtures("taken")
def test_a_unique_key_violation_is_retried(engine: Engine, backoffs: list[int]) -> None:
    work = Attempts(fail_first=1, violate=_duplicate_type)

    assert run_in_transaction(engine, work) == "done"

    assert work.count == 2
    assert backoffs == [1]
    assert _type_names(engine) == ["fine-2", "taken"]  # the failed attempt rolled back


@pytest.mark.usefixtures("taken")
def test_a_persistent_unique_key_violation_is_already_exists(
    engine: Engine, backoffs: list[int]
) -> None:
    work = Attempts(fail_first=MAX_ATTEMPTS, violate=_duplicate_type)

    with pytest.raises(AlreadyExistsError, match="unique key") as raised:
        run_in_transaction(engine, work)

    assert work.count == MAX_ATTEMPTS
    assert backoffs == list(range(1, MAX_ATTEMPTS))
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert _type_names(engine) == ["taken"]


def test_a_foreign_key_violation_is_not_retried(engine: Engine, backoffs: list[int]) -> None:
    work = Attempts(fail_first=1, violate=_event_of_missing_nodes)

    with pytest.raises(FailedPreconditionError, match="does not exist") as raised:
        run_in_transaction(engine, work)

    assert work.count == 1
    assert backoffs == []
    assert isinstance(raised.value.__cause__, IntegrityError)
    assert _type_names(engine) == []
