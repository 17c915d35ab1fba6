"""The benchmark workload, written once against ml_metadata's ``MetadataStore`` API.

The same functions drive every configuration, because mdstore's embedded
``mdstore.MetadataStore`` has ml_metadata's method names:

* ``mlmd-inproc``: ``ml_metadata.MetadataStore`` on a SQLite file (its C++ core).
* ``mlmd-grpc``: ``ml_metadata.MetadataStore`` as a gRPC client of a server.
* ``mdstore``: ``mdstore.MetadataStore("sqlite:///...")`` in-process.

Only the standard library is imported at module level, so the file runs in both
the project's ``.venv`` and the ``.venv-mlmd`` interpreter. Run as a script, it
opens one store (two for ``audit-cost``: audit log on and off), runs one phase set
(``main``, ``scale``, ``provenance`` or ``audit-cost``) and writes the timings as
JSON; ``bench/run.py`` starts one such process per configuration.

Every artifact, execution and query is derived from its index, so every
configuration sees the same data.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

# PropertyType wire numbers (ml_metadata.proto.metadata_store_pb2.PropertyType).
INT, DOUBLE, STRING = 1, 2, 3

SPLITS = ("train", "eval", "test")
# Keeps "properties.size.int_value < 100" to ingested data, not warm-up or model artifacts.
SIZE_OFFSET = {"data": 0, "model": 20_000, "warmup": 30_000}
OWNERS = 50
DATA_TYPE, MODEL_TYPE, WARMUP_TYPE = "BenchDataset", "BenchModel", "BenchWarmup"
EXECUTION_TYPE, CONTEXT_TYPE = "BenchTrainer", "BenchRun"
# The write rows' names, shared with the audit-cost phase so the report can match them.
EXECUTION_ROW = "put_execution (2 in, 1 out, 1 ctx)"


def ingest_row(batch: int) -> str:
    """The ingest row's name for ``put_artifacts`` batches of ``batch``."""
    return f"ingest (batches of {batch})"


@dataclass
class Sizes:
    """How much work each phase does (defaults: the issue's workload)."""

    artifacts: int = 10_000
    batch: int = 100
    executions: int = 2_000
    executions_per_context: int = 100
    reads: int = 20_000
    read_batch: int = 100
    repeats: int = 20  # each filter / lineage query
    hops: tuple[int, ...] = (20, 100)
    warmup: bool = True


@dataclass
class Row:
    """One measured operation: ``ops`` units of work in ``seconds``."""

    name: str
    unit: str
    ops: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    error: str | None = None
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        if self.error or not self.seconds:
            return None
        return self.ops / self.seconds

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["rate"] = self.rate
        lat = out.pop("latencies_ms")
        out["p50_ms"] = statistics.median(lat) if lat else None
        return out


# --------------------------------------------------------------------------- API


class Api:
    """A store plus the message module and ``ListOptions`` class that go with it."""

    def __init__(self, store: Any, pb: Any, list_options: Any, close: Callable[[], None]):
        self.store, self.pb, self.ListOptions, self.close = store, pb, list_options, close


def open_api(kind: str, target: str) -> Api:
    """Opens a store: ``kind`` is mlmd-inproc (target: a SQLite file, or a mysql:// or
    postgresql:// URL), mlmd-grpc (host:port), mdstore (a SQLAlchemy URL) or
    mdstore-grpc (host:port of ``mdstore serve``)."""
    if kind in ("mdstore", "mdstore-noaudit", "mdstore-grpc"):
        import mdstore
        from mdstore.wire import mlmd

        if kind == "mdstore-grpc":  # mdstore's own API, over gRPC to `mdstore serve`
            from mdstore_client import GrpcTransport

            store = mdstore.MetadataStore(GrpcTransport(target))
        else:
            store = mdstore.MetadataStore(target, audit_log=kind == "mdstore")
        return Api(store, mlmd, mdstore.ListOptions, store.close)
    from ml_metadata import metadata_store
    from ml_metadata.proto import metadata_store_pb2 as pb

    if kind == "mlmd-inproc":
        config = mlmd_connection(pb, target)
    elif kind == "mlmd-grpc":
        host, port = target.rsplit(":", 1)
        config = pb.MetadataStoreClientConfig(host=host, port=int(port))
    else:
        raise ValueError(f"unknown store kind {kind!r}")
    return Api(metadata_store.MetadataStore(config), pb, metadata_store.ListOptions, lambda: None)


def mlmd_connection(pb: Any, target: str) -> Any:
    """ml-metadata's ConnectionConfig for a SQLite file or a server database URL
    (``mysql://user:password@host:port/db``, ``postgresql://…`` likewise)."""
    config = pb.ConnectionConfig()
    url = urlsplit(target)
    if url.scheme not in ("mysql", "postgresql"):
        config.sqlite.filename_uri = target
        config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
        return config
    database = url.path.lstrip("/")
    if not (url.hostname and database):
        raise ValueError(f"{target!r} names no host or database")
    if url.scheme == "mysql":
        config.mysql.host, config.mysql.port = url.hostname, url.port or 3306
        config.mysql.user, config.mysql.database = url.username or "", database
        config.mysql.password = url.password or ""
    else:
        server = config.postgresql
        server.host, server.port = url.hostname, str(url.port or 5432)
        server.user, server.dbname = url.username or "", database
        server.password = url.password or ""
    return config


# -------------------------------------------------------------------------- data


def put_types(api: Api) -> dict[str, int]:
    """Registers the workload's types; returns their ids by name."""
    pb, store = api.pb, api.store
    node_props = {"split": STRING, "size": INT, "score": DOUBLE}
    ids = {
        name: store.put_artifact_type(pb.ArtifactType(name=name, properties=node_props))
        for name in (DATA_TYPE, MODEL_TYPE, WARMUP_TYPE)
    }
    ids[EXECUTION_TYPE] = store.put_execution_type(
        pb.ExecutionType(name=EXECUTION_TYPE, properties={"step": INT, "stage": STRING})
    )
    ids[CONTEXT_TYPE] = store.put_context_type(
        pb.ContextType(name=CONTEXT_TYPE, properties={"index": INT})
    )
    return ids


def make_artifact(pb: Any, type_id: int, i: int, prefix: str = "data") -> Any:
    """Artifact number ``i``: 3 typed properties and 1 custom property."""
    artifact = pb.Artifact(
        type_id=type_id, uri=f"gs://bench/{prefix}/{i:07d}", state=pb.Artifact.LIVE
    )
    artifact.properties["split"].string_value = SPLITS[i % 3]
    artifact.properties["size"].int_value = SIZE_OFFSET[prefix] + i % 10_000
    artifact.properties["score"].double_value = (i % 1000) / 1000.0
    artifact.custom_properties["owner"].string_value = f"team-{i % OWNERS}"
    return artifact


def ingest(
    api: Api, type_id: int, start: int, count: int, batch: int, prefix: str = "data"
) -> Iterator[tuple[list[Any], float]]:
    """Yields ``(artifacts, seconds)`` per ``put_artifacts`` call of ``batch`` artifacts."""
    pb, store = api.pb, api.store
    for first in range(start, start + count, batch):
        artifacts = [
            make_artifact(pb, type_id, i, prefix)
            for i in range(first, min(first + batch, start + count))
        ]
        t0 = time.perf_counter()
        ids = store.put_artifacts(artifacts)
        elapsed = time.perf_counter() - t0
        for artifact, artifact_id in zip(artifacts, ids, strict=True):
            artifact.id = artifact_id
        yield artifacts, elapsed


def put_contexts(api: Api, type_id: int, count: int, prefix: str = "bench-run") -> list[Any]:
    pb = api.pb
    contexts = []
    for i in range(count):
        context = pb.Context(type_id=type_id, name=f"{prefix}-{i}")
        context.properties["index"].int_value = i
        contexts.append(context)
    for context, context_id in zip(contexts, api.store.put_contexts(contexts), strict=True):
        context.id = context_id
    return contexts


def _event(pb: Any, kind: int, key: str, index: int) -> Any:
    event = pb.Event(type=kind)
    event.path.steps.add(key=key)
    event.path.steps.add(index=index)
    return event


def put_one_execution(api: Api, ids: dict[str, int], step: int, inputs: list[Any], context: Any):
    """One ``put_execution``: 2 inputs, 1 new output, 1 context; returns the output."""
    pb = api.pb
    execution = pb.Execution(type_id=ids[EXECUTION_TYPE], last_known_state=pb.Execution.COMPLETE)
    execution.properties["step"].int_value = step
    execution.properties["stage"].string_value = "train"
    output = make_artifact(pb, ids[MODEL_TYPE], 10_000_000 + step, prefix="model")
    pairs = [(a, _event(pb, pb.Event.INPUT, "examples", n)) for n, a in enumerate(inputs)]
    pairs.append((output, _event(pb, pb.Event.OUTPUT, "model", 0)))
    _, artifact_ids, _ = api.store.put_execution(
        execution, pairs, [context], reuse_context_if_already_exist=True
    )
    output.id = artifact_ids[-1]
    return output


def chain(
    api: Api,
    ids: dict[str, int],
    data: list[Any],
    contexts: list[Any],
    count: int,
    per_context: int,
    *,
    start: int = 0,
    previous: Any = None,
) -> Iterator[tuple[Any, float]]:
    """Yields ``(output, seconds)`` for ``count`` chained executions.

    Execution ``i`` reads the previous output and ingested artifact ``data[i]``.
    ``start`` and ``previous`` (default: ``data[-1]``) continue an earlier chain, so
    its steps, contexts and output artifacts go on instead of repeating.
    """
    previous = data[-1] if previous is None else previous
    for step in range(start, start + count):
        inputs = [previous, data[step % len(data)]]
        context = contexts[min(step // per_context, len(contexts) - 1)]
        t0 = time.perf_counter()
        previous = put_one_execution(api, ids, step, inputs, context)
        yield previous, time.perf_counter() - t0


# ---------------------------------------------------------------------- queries


FILTERS = {
    "filter: property comparison": "properties.size.int_value < 100",
    "filter: custom property + uri LIKE": (
        "custom_properties.owner.string_value = 'team-7' AND uri LIKE 'gs://bench/data/0001%'"
    ),
    "filter: context-name neighbourhood": "contexts_run.name = 'bench-run-3'",
}


def lineage_options(pb: Any, artifact_id: int, hops: int) -> Any:
    options = pb.LineageSubgraphQueryOptions(
        max_num_hops=hops, direction=pb.LineageSubgraphQueryOptions.UPSTREAM
    )
    options.starting_artifacts.filter_query = f"id = {artifact_id}"
    return options


def _error(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text[:240]}"


def time_query(
    row: Row, fn: Callable[[], Any], repeats: int, warmup: bool, describe: Callable[[Any], dict]
) -> Row:
    """Runs ``fn`` (once untimed when ``warmup``) then ``repeats`` timed times."""
    try:
        result = fn() if warmup else None
        for _ in range(repeats):
            t0 = time.perf_counter()
            result = fn()
            elapsed = time.perf_counter() - t0
            row.seconds += elapsed
            row.latencies_ms.append(elapsed * 1000)
            row.ops += 1
        row.result = describe(result)
    except Exception as e:  # report the row as n/a, keep benchmarking
        row.error, row.ops, row.seconds = _error(e), 0, 0.0
    return row


def graph_size(graph: Any) -> dict[str, int]:
    return {
        "artifacts": len(graph.artifacts),
        "executions": len(graph.executions),
        "events": len(graph.events),
    }


# ---------------------------------------------------------------------- phases


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_main(api: Api, sizes: Sizes) -> list[Row]:
    """The side-by-side workload; returns one ``Row`` per table row."""
    ids = put_types(api)
    runs = max(1, -(-sizes.executions // sizes.executions_per_context))
    contexts = put_contexts(api, ids[CONTEXT_TYPE], runs)
    if sizes.warmup:
        _warm_up(api, ids, sizes)
    ingest_row, data = _ingest_phase(api, ids, sizes)
    execution_row, last = _execution_phase(api, ids, sizes, data, contexts)
    rows = [ingest_row, execution_row, _read_phase(api, sizes, data)]
    for name, query in FILTERS.items():
        progress(name)
        rows.append(
            time_query(
                Row(name, "queries/s", result={"filter": query}),
                lambda q=query: api.store.get_artifacts(
                    list_options=api.ListOptions(filter_query=q)
                ),
                sizes.repeats,
                sizes.warmup,
                lambda r, q=query: {"filter": q, "rows": len(r)},
            )
        )
    for hops in sizes.hops:
        progress(f"lineage {hops} hops")
        options = lineage_options(api.pb, last.id, hops)
        rows.append(
            time_query(
                Row(f"lineage upstream {hops} hops", "queries/s"),
                lambda o=options: api.store.get_lineage_subgraph(o),
                sizes.repeats,
                sizes.warmup,
                graph_size,
            )
        )
    return rows


def _warm_up(api: Api, ids: dict[str, int], sizes: Sizes) -> None:
    """First-call costs (statement caches, lazy imports) off the clock, on other nodes."""
    context = put_contexts(api, ids[CONTEXT_TYPE], 1, prefix="bench-warmup")
    warm: list[Any] = []
    for batch, _ in ingest(api, ids[WARMUP_TYPE], 0, 2 * sizes.batch, sizes.batch, "warmup"):
        warm.extend(batch)
    for _ in chain(api, ids, warm, context, 5, 5):
        pass
    api.store.get_artifacts_by_id([a.id for a in warm])


def _ingest_phase(api: Api, ids: dict[str, int], sizes: Sizes) -> tuple[Row, list[Any]]:
    progress(f"ingest {sizes.artifacts} artifacts")
    row = Row(ingest_row(sizes.batch), "artifacts/s")
    data: list[Any] = []
    for batch, seconds in ingest(api, ids[DATA_TYPE], 0, sizes.artifacts, sizes.batch):
        data.extend(batch)
        row.ops += len(batch)
        row.seconds += seconds
    return row, data


def _execution_phase(
    api: Api, ids: dict[str, int], sizes: Sizes, data: list[Any], contexts: list[Any]
) -> tuple[Row, Any]:
    progress(f"put_execution x{sizes.executions}")
    row = Row(EXECUTION_ROW, "calls/s")
    last = data[-1]
    steps = chain(api, ids, data, contexts, sizes.executions, sizes.executions_per_context)
    for output, seconds in steps:
        last = output
        row.ops += 1
        row.seconds += seconds
        row.latencies_ms.append(seconds * 1000)
    return row, last


def _read_phase(api: Api, sizes: Sizes, data: list[Any]) -> Row:
    progress(f"get_artifacts_by_id x{sizes.reads}")
    row = Row(f"get_artifacts_by_id (batches of {sizes.read_batch})", "artifacts/s")
    rng = random.Random(42)
    data_ids = [a.id for a in data]
    for _ in range(sizes.reads // sizes.read_batch):
        wanted = rng.sample(data_ids, min(sizes.read_batch, len(data_ids)))
        t0 = time.perf_counter()
        got = api.store.get_artifacts_by_id(wanted)
        row.seconds += time.perf_counter() - t0
        row.ops += len(got)
    return row


@contextlib.contextmanager
def control_store(kind: str, target: str, number: int) -> Iterator[Api]:
    """A fresh SQLite store next to ``target`` (a file or a sqlite:/// URL) for the
    scale run's control batches; removed afterwards."""
    base, mark, query = target.partition("?")  # a sqlite:/// URL may carry settings
    path = f"{base}.control-{number}".removeprefix("sqlite:///")
    api = open_api(kind, f"{base}.control-{number}{mark}{query}")
    try:
        yield api
    finally:
        api.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path + suffix)


# ------------------------------------------------------------------------ script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kind",
        required=True,
        choices=["mlmd-inproc", "mlmd-grpc", "mdstore", "mdstore-noaudit", "mdstore-grpc"],
    )
    parser.add_argument("--target", required=True, help="SQLite path, host:port or SQLAlchemy URL")
    parser.add_argument(
        "--phase", choices=["main", "scale", "provenance", "audit-cost"], default="main"
    )
    parser.add_argument(
        "--sizes", default="{}", help="JSON overrides of Sizes (main) or AuditSizes (audit-cost)"
    )
    parser.add_argument("--scale-max", type=int, default=1_000_000)
    parser.add_argument(
        "--off-kind",
        choices=["mlmd-grpc", "mdstore-noaudit"],
        help="audit-cost: the store with the audit log off (--kind/--target: on)",
    )
    parser.add_argument("--off-target", help="audit-cost: the second store's target")
    parser.add_argument(
        "--floor-target", default="", help="provenance: host:port of trace_floor_server.py"
    )
    parser.add_argument("--out", required=True, help="where to write the JSON results")
    args = parser.parse_args(argv)
    if args.phase == "audit-cost" and not (args.off_kind and args.off_target):
        parser.error("--phase audit-cost needs --off-kind and --off-target")

    def write(payload: dict[str, Any]) -> None:
        payload["python"] = sys.version.split()[0]
        with open(args.out + ".tmp", "w") as out:
            json.dump(payload, out, indent=1)
        os.replace(args.out + ".tmp", args.out)

    api = open_api(args.kind, args.target)
    try:
        if args.phase == "main":
            overrides = json.loads(args.sizes)
            if "hops" in overrides:
                overrides["hops"] = tuple(overrides["hops"])
            rows = run_main(api, Sizes(**overrides))
            write({"rows": [r.as_json() for r in rows]})
        elif args.phase == "provenance":
            from provenance import ClientQuestions, MlmdQuestions, run_provenance

            sizes = Sizes(**json.loads(args.sizes))
            questions = (
                ClientQuestions(args.target, args.floor_target)
                if args.kind == "mdstore-grpc"
                else MlmdQuestions(api)
            )
            rows = run_provenance(api, questions, sizes)
            write({"rows": [r.as_json() for r in rows]})
        elif args.phase == "audit-cost":
            write(_audit_cost(api, args.off_kind, args.off_target, json.loads(args.sizes)))
        else:
            # Written after every checkpoint, so a run that times out still reports.
            from scale import run_scale  # bench/ is sys.path[0] when run as a script

            points = run_scale(
                api,
                args.scale_max,
                on_point=lambda p: write({"scale": p}),
                open_control=lambda n: control_store(args.kind, args.target, n),
            )
            write({"scale": points, "complete": True})
    finally:
        api.close()
    return 0


def _audit_cost(on: Api, off_kind: str, off_target: str, sizes: dict[str, Any]) -> dict:
    """The audit-cost phase on ``on`` and a second store opened here (audit log off)."""
    from audit_cost import AuditSizes, run_audit_cost  # bench/ is sys.path[0] here too

    off = open_api(off_kind, off_target)
    try:
        return run_audit_cost(on, off, AuditSizes(**sizes))
    finally:
        off.close()


if __name__ == "__main__":
    sys.exit(main())
