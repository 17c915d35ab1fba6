"""``make bench``: one workload, five configurations, side by side in one run.

(a) ml-metadata 1.17.1 in-process, (b) ml-metadata behind a pass-through gRPC
server, (c) mdstore's embedded ``MetadataStore``, (d) ``mdstore serve``, (e) (b)
answering repeated reads from memory (the transport floor); (a), (b), (e) and the
client of (d) run in ``.venv-mlmd`` (Python 3.11, ml-metadata 1.17.1),
(c) and the server of (d) in the interpreter running this script. Every
configuration runs in its own process on its own SQLite file in one temporary
directory. Then the audit log's write cost is measured in interleaved rounds,
embedded ((c)/(f)) and served ((d)/(g)), each pair of stores written by one
process (``--no-audit-cost`` skips it); (a) and (c) run the same workload on the
local MariaDB and PostgreSQL servers (``--server-dbs``), and a scale run grows (a)
and (c) to ``--scale-max`` artifacts.

Prints the report and writes it to ``docs/benchmarks.md``::

    .venv/bin/python bench/run.py                      # the full run
    .venv/bin/python bench/run.py --scale-max 100000   # quicker
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(REPO))

import report  # noqa: E402  (bench/ is on sys.path only once the lines above ran)
from environment import commit_cost_note, load_average, machine, versions  # noqa: E402
from processes import free_port, log, mlmd_python, run_workload, server  # noqa: E402

# ----------------------------------------------------------------- run configs


# mdstore's SQLite commit durability for the run (the URL's synchronous=).
SYNCHRONOUS = {"value": "full"}


def mdstore_sqlite_url(db: Path) -> str:
    """mdstore's URL for a SQLite file, at the run's commit durability."""
    return f"sqlite:///{db}?synchronous={SYNCHRONOUS['value']}"


def run_config(
    config: str, tmp: Path, mlmd_py: Path, timeout: float, sizes: dict[str, Any]
) -> dict[str, Any]:
    """Runs the main workload for one configuration on a fresh SQLite file."""
    main_py = Path(sys.executable)
    extra = ["--phase", "main", "--sizes", json.dumps(sizes)]
    db = tmp / f"{config}.sqlite"
    out = tmp / f"{config}.json"
    if config == "a":
        return run_workload(mlmd_py, "mlmd-inproc", str(db), out, timeout, extra)
    if config in ("c", "f"):
        kind = "mdstore" if config == "c" else "mdstore-noaudit"
        return run_workload(main_py, kind, mdstore_sqlite_url(db), out, timeout, extra)
    port = free_port()
    if config in ("b", "e"):
        command = [
            str(mlmd_py),
            str(BENCH / "passthrough_server.py"),
            "--db",
            str(db),
            "--port",
            str(port),
        ]
        if config == "e":
            command.append("--cache-reads")
    else:
        command = mdstore_serve_command(db, port, audit_log=config != "g")
    try:
        with server(command, port, tmp / f"{config}-server.log"):
            return run_workload(mlmd_py, "mlmd-grpc", f"127.0.0.1:{port}", out, timeout, extra)
    except RuntimeError as e:
        return {"error": str(e)}


def mdstore_command() -> list[str]:
    script = Path(sys.executable).with_name("mdstore")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mdstore.cli"]


def mdstore_serve_command(db: Path, port: int, audit_log: bool = True) -> list[str]:
    """``mdstore serve`` on a SQLite file, on 127.0.0.1:``port``."""
    command = [*mdstore_command(), "serve", "--db", mdstore_sqlite_url(db)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    return command + ([] if audit_log else ["--no-audit-log"])


def run_audit_cost(
    configs: list[str], tmp: Path, mlmd_py: Path | None, timeout: float
) -> dict[str, Any]:
    """The interleaved audit-cost phase: embedded when the run has (c) and (f),
    served when it has (d) and (g). Each is one process writing into both stores,
    so the machine's drift between configurations' runs does not enter the ratio."""
    results: dict[str, Any] = {}
    if {"c", "f"} <= set(configs):
        log("audit cost, embedded: (c) and (f) in interleaved rounds")
        on, off = (mdstore_sqlite_url(tmp / f"audit-{n}.sqlite") for n in ("on", "off"))
        extra = ["--phase", "audit-cost", "--off-kind", "mdstore-noaudit", "--off-target", off]
        out = tmp / "audit-embedded.json"
        results["embedded"] = run_workload(sys.executable, "mdstore", on, out, timeout, extra)
    if {"d", "g"} <= set(configs) and mlmd_py is not None:
        log("audit cost, served: (d) and (g) in interleaved rounds")
        results["served"] = run_served_audit_cost(tmp, mlmd_py, timeout)
    for where, result in results.items():
        if result.get("error"):
            log(f"audit cost, {where}, failed: {result['error']}")
    return results


def run_served_audit_cost(tmp: Path, mlmd_py: Path, timeout: float) -> dict[str, Any]:
    """Two `mdstore serve` (audit log on, off), one ml-metadata client process on both."""
    on_port, off_port = free_port(), free_port()
    while off_port == on_port:  # both were free a moment ago; the kernel may repeat one
        off_port = free_port()
    on = mdstore_serve_command(tmp / "audit-served-on.sqlite", on_port)
    off = mdstore_serve_command(tmp / "audit-served-off.sqlite", off_port, audit_log=False)
    extra = ["--phase", "audit-cost", "--off-kind", "mlmd-grpc"]
    extra += ["--off-target", f"127.0.0.1:{off_port}"]
    out = tmp / "audit-served.json"
    try:
        with (
            server(on, on_port, tmp / "audit-served-on.log"),
            server(off, off_port, tmp / "audit-served-off.log"),
        ):
            return run_workload(mlmd_py, "mlmd-grpc", f"127.0.0.1:{on_port}", out, timeout, extra)
    except RuntimeError as e:
        return {"error": str(e)}


def run_scale(config: str, tmp: Path, mlmd_py: Path, timeout: float, top: int) -> dict[str, Any]:
    db = tmp / f"scale-{config}.sqlite"
    out = tmp / f"scale-{config}.json"
    extra = ["--phase", "scale", "--scale-max", str(top)]
    if config == "a":
        result = run_workload(mlmd_py, "mlmd-inproc", str(db), out, timeout, extra)
    elif config == "c":
        result = run_workload(
            Path(sys.executable), "mdstore", mdstore_sqlite_url(db), out, timeout, extra
        )
    else:
        return {"error": f"scale run supports (a) and (c), not ({config})"}
    db_mb = None
    with contextlib.suppress(OSError):
        db_mb = round(sum(p.stat().st_size for p in tmp.glob(f"{db.name}*")) / 1e6, 1)
    return {"points": result.get("scale", []), "error": result.get("error"), "db_mb": db_mb}


def run_provenance(tmp: Path, mlmd_py: Path, timeout: float) -> dict[str, Any]:
    """The provenance phase: (a) in-process, and mdstore_client to `mdstore serve`,
    with bench/trace_floor_server.py in front of it for the trace rows' floor."""
    extra = ["--phase", "provenance"]
    results = {
        "a": run_workload(
            mlmd_py, "mlmd-inproc", str(tmp / "prov-a.sqlite"), tmp / "prov-a.json", timeout, extra
        )
    }
    port, floor_port = free_port(), free_port()
    while floor_port == port:  # both were free a moment ago; the kernel may repeat one
        floor_port = free_port()
    floor = [sys.executable, str(BENCH / "trace_floor_server.py")]
    floor += ["--upstream", f"127.0.0.1:{port}", "--port", str(floor_port)]
    extra += ["--floor-target", f"127.0.0.1:{floor_port}"]
    try:
        with (
            server(mdstore_serve_command(tmp / "prov-client.sqlite", port), port, tmp / "prov.log"),
            server(floor, floor_port, tmp / "prov-floor.log"),
        ):
            results["client"] = run_workload(
                sys.executable,
                "mdstore-grpc",
                f"127.0.0.1:{port}",
                tmp / "prov-client.json",
                timeout,
                extra,
            )
    except RuntimeError as e:
        results["client"] = {"error": str(e)}
    return results


# ------------------------------------------------------------- server databases

# The benchmark's own databases on the servers, created and dropped around each run.
SERVER_DB_NAME = "mdstore_bench_{store}"
SERVER_DB_DRIVERS = {"mysql": "mysql+pymysql", "postgres": "postgresql+psycopg"}
MLMD_SCHEMES = {"mysql": "mysql", "postgres": "postgresql"}


@contextlib.contextmanager
def scratch_database(admin_url: str, name: str) -> Iterator[Any]:
    """Creates database ``name`` on the server behind ``admin_url``; yields its URL
    (a SQLAlchemy URL object) and drops it afterwards."""
    import sqlalchemy

    admin = sqlalchemy.make_url(admin_url)
    engine = sqlalchemy.create_engine(admin, isolation_level="AUTOCOMMIT")
    quoted = engine.dialect.identifier_preparer.quote(name)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}")
            conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
        yield admin.set(database=name)
    finally:
        with contextlib.suppress(sqlalchemy.exc.SQLAlchemyError), engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}")
        engine.dispose()


def run_server_db(
    backend: str, admin_url: str, tmp: Path, mlmd_py: Path, timeout: float, sizes: dict[str, Any]
) -> dict[str, Any]:
    """The main workload in-process on a server database: ml-metadata (a), then
    mdstore (c), each on a database of its own."""
    extra = ["--phase", "main", "--sizes", json.dumps(sizes)]
    results: dict[str, Any] = {}
    stores = (
        ("a", "mlmd-inproc", mlmd_py, MLMD_SCHEMES),
        ("c", "mdstore", sys.executable, SERVER_DB_DRIVERS),
    )
    for config, kind, python, schemes in stores:
        out = tmp / f"{backend}-{config}.json"
        try:
            with scratch_database(admin_url, SERVER_DB_NAME.format(store=config)) as url:
                url = url.set(drivername=schemes[backend])
                target = url.render_as_string(hide_password=False)
                results[config] = run_workload(python, kind, target, out, timeout, extra)
        except Exception as e:  # an unreachable server: the section shows n/a, the run goes on
            results[config] = {"error": f"{type(e).__name__}: {e}"}
        if results[config].get("error"):
            log(f"({config}) on {backend} failed: {results[config]['error']}")
    return results


# ----------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="mdstore vs ml-metadata, side by side")
    parser.add_argument("--configs", default="a,b,c,d,e,f,g", help="which of a,b,c,d,e,f,g to run")
    parser.add_argument("--scale-configs", default="c,a", help="configs for the scale run")
    parser.add_argument(
        "--scale-max", type=int, default=1_000_000, help="top of the scale run (0: skip)"
    )
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--executions", type=int, default=2_000)
    parser.add_argument("--reads", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=20, help="runs of each filter/lineage query")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per workload process")
    parser.add_argument(
        "--scale-timeout", type=float, default=1200, help="seconds per scale process"
    )
    parser.add_argument(
        "--server-dbs",
        default="mysql,postgres",
        help="server databases for (a) and (c) in-process, beside SQLite ('' to skip)",
    )
    parser.add_argument(
        "--mysql-url",
        default=os.environ.get("MDSTORE_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306"),
        help="an account that may create and drop the database mdstore_bench_*",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "MDSTORE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="likewise for PostgreSQL",
    )
    parser.add_argument(
        "--sqlite-synchronous",
        choices=["full", "normal"],
        default="full",
        help="mdstore's SQLite commit durability (full: the default, survives power loss)",
    )
    parser.add_argument(
        "--no-provenance", action="store_true", help="skip the trace and impact rows"
    )
    parser.add_argument(
        "--no-audit-cost",
        action="store_true",
        help="skip the interleaved audit-cost phase (the targets fall back to (c)/(f), (d)/(g))",
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the SQLite files and logs")
    args = parser.parse_args(argv)
    unknown = set(args.server_dbs.split(",")) - {"", *SERVER_DB_DRIVERS}
    if unknown:
        parser.error(f"--server-dbs takes mysql and postgres, not {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    SYNCHRONOUS["value"] = args.sqlite_synchronous
    configs = [c for c in args.configs.split(",") if c]
    scale_configs = [c for c in args.scale_configs.split(",") if c] if args.scale_max else []
    sizes = {
        "artifacts": args.artifacts,
        "executions": args.executions,
        "reads": args.reads,
        "repeats": args.repeats,
    }
    needs_mlmd = any(c in "abdeg" for c in configs) or "a" in scale_configs or args.server_dbs
    started = time.perf_counter()
    results: dict[str, Any] = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "sizes": {**sizes, "batch": 100, "read_batch": 100, "executions_per_context": 100},
        "configs": {},
        "server_dbs": {},
        "scale": {},
        "scale_max": args.scale_max,
        "scale_window": 5000,
        "sqlite_synchronous": args.sqlite_synchronous,
    }
    mlmd_py = mlmd_python() if needs_mlmd else None
    results["versions"] = versions(mlmd_py)
    tmp = Path(tempfile.mkdtemp(prefix="mdstore-bench-"))
    try:
        results["notes"] = [commit_cost_note(tmp, args.sqlite_synchronous)]
        for config in configs:
            log(f"({config}) {report.CONFIGS[config]}")
            results["configs"][config] = run_config(config, tmp, mlmd_py, args.timeout, sizes)
            if results["configs"][config].get("error"):
                log(f"({config}) failed: {results['configs'][config]['error']}")
        if not args.no_audit_cost:
            audit_cost = run_audit_cost(configs, tmp, mlmd_py, args.timeout)
            if audit_cost:
                results["audit_cost"] = audit_cost
        if not args.no_provenance and mlmd_py is not None:
            log("provenance: (a) get_lineage_subgraph vs mdstore_client trace and impact")
            results["provenance"] = run_provenance(tmp, mlmd_py, args.timeout)
        for backend in [b for b in args.server_dbs.split(",") if b]:
            log(f"(a) and (c) in-process on {backend}")
            admin_url = args.mysql_url if backend == "mysql" else args.postgres_url
            results["server_dbs"][backend] = run_server_db(
                backend, admin_url, tmp, mlmd_py, args.timeout, sizes
            )
        for config in scale_configs:
            log(f"scale ({config}) to {args.scale_max:,} artifacts")
            results["scale"][config] = run_scale(
                config, tmp, mlmd_py, args.scale_timeout, args.scale_max
            )
    finally:
        if args.keep_tmp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    results["machine"]["load_after"] = load_average()
    results["wall_seconds"] = time.perf_counter() - started
    publish(results, args)
    return 0


def publish(results: dict[str, Any], args: argparse.Namespace) -> None:
    """Prints the report; writes it (and the raw results with --json)."""
    text = report.render(results)
    print(text)
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        log(f"wrote {args.out}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    sys.exit(main())
