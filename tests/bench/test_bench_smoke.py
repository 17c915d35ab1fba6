"""A tiny run of the benchmark workload on mdstore's embedded store.

``make bench`` is not part of the test suite (it takes minutes and needs the
ml-metadata venv); this test runs the same workload code at toy sizes so that a
change to the embedded API or to the benchmark itself cannot break it unnoticed.
No timing assertions: only that every phase runs and the report renders.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mdstore import errors

BENCH = Path(__file__).resolve().parents[2] / "bench"

# A query row may be n/a while a feature is still landing, but only with one of
# mdstore's own errors: a TypeError or AttributeError means the benchmark is broken.
STORE_ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and name.endswith("Error")
}


def _load(name: str) -> ModuleType:
    # The bench scripts import each other as top-level modules (bench/ is their
    # sys.path[0] when run), so put bench/ on the path the same way.
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def workload() -> ModuleType:
    return _load("workload")


@pytest.fixture(scope="module")
def scale() -> ModuleType:
    return _load("scale")


@pytest.fixture(scope="module")
def report() -> ModuleType:
    return _load("report")


def _open(workload: ModuleType, tmp_path: Path, name: str):  # noqa: ANN202
    return workload.open_api("mdstore", f"sqlite:///{tmp_path / name}")


def test_main_workload_runs_every_phase(
    workload: ModuleType, report: ModuleType, tmp_path: Path
) -> None:
    sizes = workload.Sizes(
        artifacts=300,
        executions=30,
        executions_per_context=10,
        reads=200,
        repeats=1,
        hops=(2, 6),
    )
    api = _open(workload, tmp_path, "main.db")
    try:
        rows = workload.run_main(api, sizes)
    finally:
        api.close()

    by_name = {row.name: row for row in rows}
    assert len(by_name) == 3 + len(workload.FILTERS) + len(sizes.hops)
    for name, ops in (
        ("ingest (batches of 100)", 300),
        ("put_execution (2 in, 1 out, 1 ctx)", 30),
        ("get_artifacts_by_id (batches of 100)", 200),
    ):
        assert by_name[name].error is None, by_name[name].error
        assert by_name[name].ops == ops
    for row in rows[3:]:
        if row.error is not None:
            assert row.error.split(":")[0] in STORE_ERRORS, row.error
        else:
            assert row.ops == sizes.repeats
    if by_name["filter: property comparison"].error is None:
        assert by_name["filter: property comparison"].result["rows"] == 100
    lineage = by_name["lineage upstream 6 hops"]
    if lineage.error is None:
        # Each 2 hops add one execution and its 2 inputs (3 events) to the start.
        assert lineage.result == {"artifacts": 7, "executions": 3, "events": 9}

    results = {"configs": {"c": {"rows": [row.as_json() for row in rows]}}}
    text = report.render(results)
    assert "| ingest (batches of 100) | artifacts/s |" in text
    assert "(c) ≥ 1.0× (a) on every row: **not measured**" in text


def test_scale_run_measures_each_checkpoint(
    workload: ModuleType, scale: ModuleType, report: ModuleType, tmp_path: Path
) -> None:
    api = _open(workload, tmp_path, "scale.db")
    try:
        points = scale.run_scale(api, 2_000, window=500, chain_len=20, repeats=1, first=1_000)
    finally:
        api.close()

    assert [p["artifacts"] for p in points] == [1_000, 2_000]
    assert all(p["ingest_us_per_artifact"] > 0 for p in points)
    text = report.render({"scale": {"c": {"points": points}}, "scale_max": 2_000})
    assert "(c) ingest cost per artifact grows" in text
    assert "only measured to 2,000" in text


def test_scale_run_with_control_store(
    workload: ModuleType, scale: ModuleType, report: ModuleType, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'scale.db'}"
    opened: list[int] = []

    def open_control(number: int):  # noqa: ANN202
        opened.append(number)
        return workload.control_store("mdstore", target, number)

    api = workload.open_api("mdstore", target)
    try:
        points = scale.run_scale(
            api, 2_000, window=500, chain_len=20, repeats=1, first=1_000, open_control=open_control
        )
    finally:
        api.close()

    assert opened == [0, 1]  # a fresh control store per checkpoint
    assert sorted(p.name for p in tmp_path.iterdir() if "control" in p.name) == []  # removed
    assert all(p["ingest_relative_to_control"] > 0 for p in points)
    results = {"scale": {"c": {"points": points}}, "scale_max": 2_000}
    assert "against the control" in report.render(results)
    assert report.ingest_growth(results, "c", report.CONTROLLED)[0] == pytest.approx(
        points[1]["ingest_relative_to_control"] / points[0]["ingest_relative_to_control"]
    )


def test_lineage_ceiling_is_reported_from_the_floor_config(report: ModuleType) -> None:
    def rows(rates: dict[str, float]) -> dict[str, Any]:
        return {"rows": [{"name": n, "unit": "queries/s", "rate": r} for n, r in rates.items()]}

    names = ("lineage upstream 20 hops", "lineage upstream 100 hops")
    results = {
        "configs": {
            "b": rows(dict(zip(names, (100.0, 50.0), strict=True))),
            "d": rows(dict(zip(names, (150.0, 100.0), strict=True))),
            "e": rows(dict(zip(names, (200.0, 200.0), strict=True))),
        }
    }
    text = report.render(results)
    assert "| (d)/(b) | (e)/(b) |" in text
    assert (
        "lineage upstream 20 hops 2.00×, (d) 75% of it; lineage upstream 100 hops 4.00×, "
        "(d) 50% of it" in text
    )
    # Without (e) there is no ceiling to report.
    del results["configs"]["e"]
    assert "ceiling" not in report.render(results)


def test_mlmd_connection_for_sqlite_and_server_databases(workload: ModuleType) -> None:
    from mdstore.wire import mlmd

    sqlite = workload.mlmd_connection(mlmd, "/tmp/x.sqlite")
    assert sqlite.sqlite.filename_uri == "/tmp/x.sqlite"
    mysql = workload.mlmd_connection(mlmd, "mysql://root:pw@db.local:3307/bench")
    assert (mysql.mysql.host, mysql.mysql.port, mysql.mysql.user) == ("db.local", 3307, "root")
    assert (mysql.mysql.password, mysql.mysql.database) == ("pw", "bench")
    pg = workload.mlmd_connection(mlmd, "postgresql://postgres@127.0.0.1/bench")
    assert (pg.postgresql.host, pg.postgresql.port, pg.postgresql.user) == (
        "127.0.0.1",
        "5432",
        "postgres",
    )
    assert pg.postgresql.dbname == "bench"
    with pytest.raises(ValueError, match="no host or database"):
        workload.mlmd_connection(mlmd, "mysql://root@127.0.0.1:3306")


def test_server_database_section(report: ModuleType) -> None:
    def rows(rate: float | None, error: str | None = None) -> dict[str, Any]:
        row = {"name": "ingest (batches of 100)", "unit": "artifacts/s", "rate": rate}
        return {"rows": [{**row, "error": error}]}

    results = {
        "server_dbs": {
            "postgres": {"a": rows(100.0), "c": rows(250.0)},
            "mysql": {"a": {"error": "OperationalError: refused"}, "c": rows(80.0)},
        }
    }
    text = report.render(results)
    assert "## Server databases" in text
    assert "## Side by side" not in text  # no SQLite configuration ran
    assert (
        "| ingest (batches of 100) | artifacts/s | n/a [1] | 80.0 | n/a | 100 | 250 | 2.50× |"
        in text
    )
    assert "[1] OperationalError: refused" in text


def test_trace_target_names_its_budget_and_the_round_trip(report: ModuleType) -> None:
    provenance = _load("provenance_report")

    def side(rows: dict[str, float]) -> dict[str, Any]:
        return {"rows": [{"name": n, "p50_ms": ms, "result": {}} for n, ms in rows.items()]}

    name = "trace upstream 20 hops"
    results = {
        "provenance": {
            "a": side({name: 3.0}),
            "client": side({name: 1.5, provenance.ROUND_TRIP: 0.5}),
        }
    }
    text = report.render(results)
    assert f"| {provenance.ROUND_TRIP} | n/a | n/a | 0.50 | n/a | n/a |" in text
    assert (
        f"- {name} through mdstore_client ≥ 3× (a): **not met** (2.00×; 3× leaves 1.00 ms"
        " for the whole answer, of which one round trip to `mdstore serve` takes 0.50 ms)"
    ) in text
