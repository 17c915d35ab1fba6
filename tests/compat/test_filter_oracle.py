"""filter_query answers of mdstore against ml-metadata's own, case by case.

filter_cases.py holds one data set and the queries. filter_oracle_script.py builds
the data in ml-metadata 1.17.1 (in-process, in .venv-mlmd) and prints every answer;
here the same data goes into mdstore, on each database backend, and every answer
must be the same node names or the same error class. The few known divergences
(ml-metadata bugs) are recorded in the table with both answers.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from mdstore.embedded.list_options import ListOptions
from mdstore.embedded.store import MetadataStore
from mdstore.wire import mlmd
from tests.compat import filter_cases
from tests.compat.filter_cases import CASES

pytestmark = [pytest.mark.compat, pytest.mark.xdist_group("compat")]

SCRIPT = Path(__file__).with_name("filter_oracle_script.py")
ORACLE_TIMEOUT_SECONDS = 300

OPERATORS = ("=", "!=", "<>", " < ", "<=", " > ", ">=", " LIKE ", " NOT LIKE ", " IN ",
             " NOT IN ", " BETWEEN ", " NOT BETWEEN ", " IS NULL", " IS NOT NULL", " AND ",
             " OR ", "NOT ", "(", "lower(", "upper(", "length(", "abs(", " + ", " - ",
             " * ", " / ", " IS TRUE", " IS FALSE")  # fmt: skip
ALIASES = {
    "artifact": ("contexts_", "events_", "properties.", "custom_properties."),
    "execution": ("contexts_", "events_", "properties.", "custom_properties."),
    "context": ("artifacts_", "executions_", "parent_contexts_", "child_contexts_",
                "properties.", "custom_properties."),
}  # fmt: skip


@pytest.fixture(scope="module")
def oracle(mlmd_python: Path) -> dict[str, Any]:
    """ml-metadata's answer to every case."""
    result = subprocess.run(
        [str(mlmd_python), str(SCRIPT), filter_cases.__file__],
        capture_output=True,
        text=True,
        timeout=ORACLE_TIMEOUT_SECONDS,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    assert result.returncode == 0, f"the oracle script failed:\n{result.stderr[-4000:]}"
    answers: dict[str, Any] = json.loads(result.stdout)
    return answers


def test_the_table_covers_every_operator_alias_and_kind() -> None:
    assert len(CASES) >= 100
    assert len({case.key for case in CASES}) == len(CASES), "duplicate cases"
    queries = " ".join(case.query for case in CASES)
    missing = [op for op in OPERATORS if op not in queries]
    assert not missing, f"no case uses {missing}"
    for kind, aliases in ALIASES.items():
        text = " ".join(case.query for case in CASES if case.kind == kind)
        assert [a for a in aliases if a not in text] == [], kind


def test_ml_metadata_still_gives_the_recorded_divergent_answers(oracle: dict[str, Any]) -> None:
    changed = {
        case.key: oracle[case.key]
        for case in CASES
        if case.expect is not None and oracle[case.key] != case.mlmd_gives
    }
    assert not changed, f"ml-metadata no longer answers as recorded: {changed}"


def test_mdstore_answers_as_ml_metadata_does(
    oracle: dict[str, Any], backend_name: str, fresh_database: Any
) -> None:
    # A database of its own: cases compare ids, so auto-increment counters must start
    # at 1 as in ml-metadata (the shared test database only deletes rows between tests).
    with MetadataStore(fresh_database(backend_name, "filter_oracle")) as store:
        ids = filter_cases.populate(store, mlmd)
        answers = filter_cases.run_cases(store, ListOptions, ids)
    wrong = {}
    for case in CASES:
        expected = oracle[case.key] if case.expect is None else case.expect
        if answers[case.key] != expected:
            wrong[case.key] = {"expected": expected, "mdstore": answers[case.key]}
    assert not wrong, f"{len(wrong)} of {len(CASES)} cases differ:\n" + json.dumps(
        wrong, indent=1, ensure_ascii=False
    )
