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


@pytest.fixture(scope="module")
def audit_cost() -> ModuleType:
    return _load("audit_cost")


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


def test_trace_target_names_its_ceiling_from_the_floor_row(report: ModuleType) -> None:
    provenance = _load("provenance_report")

    def side(rows: dict[str, float]) -> dict[str, Any]:
        return {"rows": [{"name": n, "p50_ms": ms, "result": {}} for n, ms in rows.items()]}

    trace = {20: "trace upstream 20 hops", 100: "trace upstream 100 hops"}
    results = {
        "provenance": {
            "a": side({trace[20]: 3.0, trace[100]: 6.0}),
            "client": side(
                {
                    trace[20]: 1.5,
                    provenance.floor_row(20): 1.2,
                    trace[100]: 2.5,
                    provenance.floor_row(100): 1.0,
                }
            ),
        }
    }
    text = report.render(results)
    # The floor row is compared with (a)'s trace of the same answer.
    assert f"| {provenance.floor_row(20)} | 3.00 | n/a | 1.20 | n/a | 2.50× |" in text
    assert (
        "  - ceiling: the same answer replayed from memory takes 1.20 ms, 2.50× (a); "
        "3× is out of reach for any server behind mdstore_client"
    ) in text
    assert (
        "  - ceiling: the same answer replayed from memory takes 1.00 ms, 6.00× (a); "
        "3× leaves 1.00 ms for the server's work"
    ) in text


def test_floor_server_replays_questions_and_forgets_them_on_a_write(tmp_path: Path) -> None:
    floor = _load("trace_floor_server")
    import mdstore_client
    from mdstore.server.app import create_server
    from mdstore.service.dispatch import Service

    service = Service(f"sqlite:///{tmp_path / 'floor.db'}")
    upstream, port = create_server(service, "127.0.0.1:0", 4)
    upstream.start()
    front, channel, front_port = floor.serve(f"127.0.0.1:{port}", "127.0.0.1", 0)
    calls: list[str] = []
    original = service.call_wire

    def counted(method: str, request: Any, principal: str = "") -> Any:
        calls.append(method.rsplit("/", 1)[-1])
        return original(method, request, principal)

    service.call_wire = counted  # type: ignore[method-assign]
    try:
        with mdstore_client.connect(f"127.0.0.1:{front_port}") as client:
            client.artifact_type("Data")
            client.artifact_type("Model")
            data = client.put_artifact("Data", uri="s3://d/1")
            with client.run("train") as run:
                run.input(data)
                model = run.output("Model", uri="s3://m/1")
            first = client.trace(model)
            asked = calls.count("Trace")
            assert client.trace(model) == first
            assert calls.count("Trace") == asked  # answered from memory
            with client.run("tune") as run:  # a write: the answers are forgotten
                run.input(model)
                newer = run.output("Model", uri="s3://m/2")
            assert client.trace(model) == first
            assert calls.count("Trace") == asked + 1
            assert len(client.trace(newer).artifacts) == 3
    finally:
        front.stop(None)
        channel.close()
        upstream.stop(None)
        service.close()


def _audit_head(url: str) -> int:
    """The audit chain's last entry number (0: no entries), read through the service."""
    from mdstore.service.dispatch import Service
    from mdstore.wire import v1

    service = Service(url)
    try:
        return service.call("GetAuditEntries", v1.GetAuditEntriesRequest(page_size=1)).head_seq
    finally:
        service.close()


def test_audit_cost_phase_interleaves_rounds_on_two_stores(
    workload: ModuleType, audit_cost: ModuleType, tmp_path: Path
) -> None:
    on_url, off_url = (f"sqlite:///{tmp_path / name}" for name in ("on.db", "off.db"))
    sizes = audit_cost.AuditSizes(rounds=2, artifacts=20, executions=3)
    on = workload.open_api("mdstore", on_url)
    off = workload.open_api("mdstore-noaudit", off_url)
    try:
        result = audit_cost.run_audit_cost(on, off, sizes)
        # The untimed round and 2 timed ones, each 20 artifacts and 3 executions (each
        # with a new output): indexes go on from round to round, so nothing repeats.
        artifacts = on.store.get_artifacts()
        steps = [e.properties["step"].int_value for e in on.store.get_executions()]
    finally:
        on.close()
        off.close()

    rows = {row["name"]: row for row in result["rows"]}
    assert list(rows) == ["ingest (batches of 100)", "put_execution (2 in, 1 out, 1 ctx)"]
    for row in rows.values():
        assert len(row["ratios"]) == 2
        assert all(r > 0 for r in row["ratios"])
        assert row["min"] <= row["median"] <= row["max"]
        assert row["rate_on"] > 0
        assert row["rate_off"] > 0
    assert len(artifacts) == 3 * (20 + 3)
    assert len({a.uri for a in artifacts}) == len(artifacts)
    assert sorted(steps) == list(range(9))
    # Every write call of the audited store appended an entry; the other store none.
    assert _audit_head(on_url) >= 3 * (1 + 3)
    assert _audit_head(off_url) == 0


def _write_rows(ingest: float, execution: float) -> dict[str, Any]:
    return {
        "rows": [
            {"name": "ingest (batches of 100)", "unit": "artifacts/s", "rate": ingest},
            {"name": "put_execution (2 in, 1 out, 1 ctx)", "unit": "calls/s", "rate": execution},
        ]
    }


def _interleaved(ingest: list[float], execution: list[float]) -> dict[str, Any]:
    def row(name: str, unit: str, ratios: list[float]) -> dict[str, Any]:
        median = sorted(ratios)[len(ratios) // 2]
        return {"name": name, "unit": unit, "ratios": ratios, "median": median}

    rows = [
        row("ingest (batches of 100)", "artifacts/s", ingest),
        row("put_execution (2 in, 1 out, 1 ctx)", "calls/s", execution),
    ]
    for r in rows:
        r.update(min=min(r["ratios"]), max=max(r["ratios"]), rate_on=900.0, rate_off=1000.0)
    sizes = {"rounds": 3, "artifacts": 1000, "batch": 100, "executions": 200}
    return {"rounds": 3, "sizes": sizes, "rows": rows}


def test_audit_target_is_judged_on_the_interleaved_rounds(report: ModuleType) -> None:
    # Side by side, (c)/(f) is 0.50× on ingest: not met. The interleaved rounds say met.
    results: dict[str, Any] = {
        "configs": {"c": _write_rows(50.0, 90.0), "f": _write_rows(100.0, 100.0)},
        "audit_cost": {"embedded": _interleaved([0.88, 0.93, 0.97], [0.86, 0.90, 0.95])},
    }
    text = report.render(results)
    assert (
        "- audit log on ≥ 0.85× off, writes, embedded (c)/(f), 3 interleaved rounds: **met** "
        "(median per-round ratio: ingest (batches of 100) 0.93× [0.88–0.97], "
        "put_execution (2 in, 1 out, 1 ctx) 0.90× [0.86–0.95])"
    ) in text
    assert "## Audit log cost (interleaved)" in text
    assert (
        "| embedded (c)/(f) | ingest (batches of 100) | artifacts/s | 3 | 0.93× | 0.88–0.97× "
        "| 900 | 1,000 |"
    ) in text
    assert "| 0.50× |" in text  # the side-by-side (c)/(f) column stays
    # served: neither the phase nor (d)/(g) ran.
    assert "served (d)/(g), side by side (separate runs): **not measured**" in text

    results["audit_cost"]["embedded"] = _interleaved([0.88, 0.93, 0.97], [0.70, 0.80, 0.95])
    text = report.render(results)
    assert "embedded (c)/(f), 3 interleaved rounds: **not met**" in text
    assert "; below: put_execution (2 in, 1 out, 1 ctx) 0.80×)" in text
    assert "below: ingest" not in text


def test_audit_target_falls_back_to_side_by_side(report: ModuleType) -> None:
    results: dict[str, Any] = {
        "configs": {"c": _write_rows(50.0, 90.0), "f": _write_rows(100.0, 100.0)},
    }
    text = report.render(results)
    assert (
        "- audit log on ≥ 0.85× off, writes, embedded (c)/(f), side by side (separate runs): "
        "**not met** (lowest 0.50×; below: ingest (batches of 100) 0.50×)"
    ) in text
    assert "interleaved" not in text

    # A failed phase falls back too, and says why (a server's log tail on one line).
    results["audit_cost"] = {"embedded": {"error": "server exited with 1:\nTraceback\nboom"}}
    text = report.render(results)
    assert "embedded (c)/(f), side by side (separate runs): **not met**" in text
    assert "  - the interleaved phase failed: server exited with 1: | Traceback | boom" in text
    assert "embedded (c)/(f): n/a, server exited with 1: | Traceback | boom" in text
