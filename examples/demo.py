"""`make demo`: mdstore end to end, in under a minute.

Starts `mdstore serve` on a fresh SQLite file, trains the breast-cancer pipeline four
times through `mdstore_client` over gRPC (baseline, pipeline change, better
hyperparameters, schema change), prints what changed between the runs and what the
final model was made from, back to the source file and its SHA-256; registers the
four models as versions computed from their lineage (1.0.0, 1.0.1, 1.1.0, 2.0.0, each
with its reasons), moves `production` forward, rolls it back and prints the alias
history, and exports what serves production as SVG, PROV-JSON and a CycloneDX ML-BOM;
then asks the provenance questions in one call each (trace, impact of the first
source, diff of the final model against the first) and deletes a source to show
lineage survives; reads the server's Prometheus metrics, takes an online backup
and restores it into a fresh database whose audit log verifies; ends by writing
the final model's signed audit bundle and picture, verifying the bundle offline
and the audit log, and printing where the picture is; then stops the server.

    python examples/demo.py --port 8765
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc

import mdstore_client
from breast_cancer.pipeline import declare_types, run_pipeline
from breast_cancer.runs import RUNS
from mdstore_client.digest import uri_sha256
from model_versions import audit_bundle, export, versions
from operations import operations
from train_pipeline import summary

START_SECONDS = 30
STOP_SECONDS = 15
TREE_PROPERTIES = [
    "algorithm",
    "rows",
    "columns",
    "C",
    "preprocessing",
    "test_size",
    "source_version",
]


def say(text: str = "") -> None:
    print(text, flush=True)


@contextmanager
def mdstore_serve(db_url: str, port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Runs `mdstore serve` until the block ends, then stops it with SIGTERM."""
    command = [sys.executable, "-m", "mdstore.cli", "serve", "--db", db_url]
    command += ["--host", "127.0.0.1", "--port", str(port), "--metrics-port", "0"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_serving(server: subprocess.Popen[bytes], port: int) -> bool:
    """True once the port answers gRPC; False if the server exits or takes too long."""
    deadline = time.monotonic() + START_SECONDS
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        ready = grpc.channel_ready_future(channel)
        while server.poll() is None and time.monotonic() < deadline:
            try:
                ready.result(timeout=0.25)
                return True
            except grpc.FutureTimeoutError:
                continue
    return False


class Progress:
    """Wraps a client so every finished step prints a tick on the current line."""

    def __init__(self, client: mdstore_client.Client) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    @contextmanager
    def run(self, step: str, **options: Any) -> Iterator[mdstore_client.Run]:
        with self._client.run(step, **options) as run:
            yield run
        print(f" {step} ✓", end="", flush=True)


def train(client: mdstore_client.Client, workdir: Path) -> list[Any]:
    say("▸ Training the breast-cancer pipeline four times. Every step reports what it read")
    say("  and wrote through mdstore_client over gRPC: one atomic PutExecution per step.")
    say()
    declare_types(client)
    results = []
    for config in RUNS:
        print(f"  {config.name:<12}", end="", flush=True)
        results.append(run_pipeline(Progress(client), workdir, config))
        metrics = results[-1].metrics
        say(f"   accuracy {metrics['accuracy']:.4f}  auc {metrics['auc']:.4f}")
    say()
    return results


def explain(client: mdstore_client.Client, model: mdstore_client.Artifact) -> None:
    say("▸ What changed between the runs (read back from the store):")
    say()
    say("  " + summary(client).replace("\n", "\n  "))
    say()
    say(f"▸ What was the final model made from?   client.upstream(model #{model.id}).render()")
    say()
    lineage = client.upstream(model)
    say("  " + lineage.render(show=TREE_PROPERTIES).replace("\n", "\n  "))
    say()
    [source] = lineage.sources()
    say(f"  Source data: {source.uri}")
    say(f"  sha256 {source.sha256}  (recomputed from the file: "
        f"{'matches' if source.sha256 == uri_sha256(source.uri) else 'DIFFERS'})")  # fmt: skip
    say()


def provenance(client: mdstore_client.Client, first: Any, final: Any) -> None:
    """One call per question: trace, impact, diff; then a deletion lineage survives."""
    model, first_model = final.artifacts["model"], first.artifacts["model"]
    say(f"▸ The same question in one call on the server:   client.trace(model #{model.id})")
    trace = client.trace(model)
    say(f"  {len(trace.artifacts)} artifacts, {len(trace.executions)} executions, "
        f"{len(trace.events)} events; steps nearest first:")  # fmt: skip
    for step in trace.summary.steps:
        shown = sorted((k, v) for k, v in step.parameters.items() if k != "duration_seconds")
        params = ", ".join(f"{k}={v}" for k, v in shown[:3])
        say(f"    {step.hops:>2} hops  {step.type:<10} {step.state.lower():<9} {params}")
    for code in trace.summary.code:
        say(f"  code: {code.property} = {code.value}")
    say()
    raw = first.artifacts["raw"]
    say(f"▸ Which models did the first source file feed?   client.impact(artifact #{raw.id})")
    impact = client.impact(raw)
    for product in impact.end_products:
        say(f"  {product.type} #{product.artifact_id}  ({len(product.path) - 1} hops away)")
    say()
    say(f"▸ What changed between the first and the final model?   "
        f"client.diff(#{first_model.id}, #{model.id})")  # fmt: skip
    say("  " + client.diff(first_model, model).render().replace("\n", "\n  "))
    say()
    say("▸ Deleting the first source (a tombstone, with a reason); lineage still answers:")
    client.delete("artifact", [raw], reason="demo: superseded by source v2")
    again = client.impact(raw)
    [stone] = again.tombstones
    say(f"  then impact of #{raw.id}: {len(again.end_products)} end products, as before; "
        f"its tombstone says {stone.reason!r}")  # fmt: skip
    say(f"  (the CLI does the same: mdstore delete artifact {raw.id} --reason TEXT --server ...)")
    say()


def counts(client: mdstore_client.Client) -> str:
    artifacts = sum(1 for _ in client.artifacts())
    executions = sum(1 for _ in client.executions())
    contexts = sum(1 for _ in client.contexts())
    return f"{artifacts} artifacts, {executions} executions, {contexts} contexts"


def demo(port: int, workdir: Path, temporary: bool) -> int:
    db = workdir / "mdstore.db"
    log_path = workdir / "mdstore-serve.log"
    say(f"▸ Starting `mdstore serve --db sqlite:///{db} --port {port}`")
    with mdstore_serve(f"sqlite:///{db}", port, log_path) as server:
        if not wait_until_serving(server, port):
            say(f"  mdstore serve did not start (is port {port} free? try --port):")
            say("  " + log_path.read_text().strip().replace("\n", "\n  "))
            return 1
        with mdstore_client.connect(f"127.0.0.1:{port}") as client:
            info = client.server_info()
            say(f"  serving: mdstore {info.server_version}, {info.database_dialect}, "
                f"schema {info.schema_version}")  # fmt: skip
            say()
            results = train(client, workdir)
            explain(client, results[-1].artifacts["model"])
            versions(client, results, say)
            export(client, workdir, say)
            provenance(client, results[0], results[-1])
            operations(db, log_path, workdir, say)
            audit_bundle(client, workdir, say)  # the demo ends with what an auditor gets
            say(f"▸ The store now holds {counts(client)}.")
            if temporary:
                say("  Its files are in a temporary directory; keep them with --workdir DIR.")
            else:
                say(f"  Its files are under {workdir}.")
        say("▸ Stopping the server (SIGTERM).")
    code = server.returncode
    say(f"  mdstore serve exited with status {code}.")
    return 0 if code == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765, help="port for mdstore serve")
    parser.add_argument("--workdir", type=Path, help="keep files here (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return demo(args.port, args.workdir.resolve(), temporary=False)
    with tempfile.TemporaryDirectory(prefix="mdstore-demo-") as folder:
        return demo(args.port, Path(folder), temporary=True)


if __name__ == "__main__":
    sys.exit(main())
