"""The scale run: one store grown to a million artifacts, measured on the way.

Run through ``bench/workload.py --phase scale``; uses the workload's data, so the
artifacts are the ones the side-by-side run ingests.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from workload import (  # bench/ is on sys.path: scripts run from it, tests add it
    CONTEXT_TYPE,
    DATA_TYPE,
    Api,
    Row,
    chain,
    graph_size,
    ingest,
    lineage_options,
    progress,
    put_contexts,
    put_types,
    time_query,
)


def checkpoints(top: int, first: int = 10_000) -> list[int]:
    """10k, 30k, 100k, 300k, 1M, ... up to ``top`` (``top`` itself always included)."""
    points, n = [], first
    while n < top:
        points.append(n)
        if 3 * n < top:
            points.append(3 * n)
        n *= 10
    return points + [top]


def run_scale(
    api: Api,
    top: int,
    window: int = 5_000,
    chain_len: int = 200,
    repeats: int = 10,
    batch: int = 100,
    first: int = 10_000,
    on_point: Callable[[list[dict[str, Any]]], None] | None = None,
) -> list[dict[str, Any]]:
    """Grows the store to ``top`` artifacts; measures at each checkpoint.

    At each checkpoint: the marginal ingest cost per artifact (median over the
    batches of the last ``window`` artifacts before it), and upstream lineage at
    20 / 100 hops from the end of a ``chain_len``-execution chain written after
    the first checkpoint.
    ``on_point`` gets the results so far after each checkpoint.
    """
    ids = put_types(api)
    points = checkpoints(top, first)
    window = min(window, points[0] // 2)
    contexts = put_contexts(api, ids[CONTEXT_TYPE], 1)
    head: list[Any] = []  # the first artifacts: inputs of the chain
    ingested, start_clock, tail = 0, time.perf_counter(), None
    results = []
    for point in points:
        window_s: list[float] = []  # per-artifact cost of each batch in the window
        for artifacts, seconds in ingest(api, ids[DATA_TYPE], ingested, point - ingested, batch):
            if len(head) < chain_len:
                head.extend(artifacts)
            ingested += len(artifacts)
            if ingested > point - window:
                window_s.append(seconds / len(artifacts))
        if tail is None:
            for output, _ in chain(api, ids, head[:chain_len], contexts, chain_len, chain_len):
                tail = output
        entry: dict[str, Any] = {
            "artifacts": point,
            # The median batch: a burst of load from other processes moves it little.
            "ingest_us_per_artifact": statistics.median(window_s) * 1e6,
            "ingest_mean_us_per_artifact": statistics.fmean(window_s) * 1e6,
            "elapsed_s": time.perf_counter() - start_clock,
        }
        entry.update(_scale_lineage(api, tail.id, repeats))
        results.append(entry)
        progress(f"scale {point}: {entry['ingest_us_per_artifact']:.1f} us/artifact")
        if on_point is not None:
            on_point(results)
    return results


def _scale_lineage(api: Api, artifact_id: int, repeats: int) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for hops in (20, 100):
        options = lineage_options(api.pb, artifact_id, hops)
        row = time_query(
            Row(f"lineage {hops}", "queries/s"),
            lambda o=options: api.store.get_lineage_subgraph(o),
            repeats,
            True,
            graph_size,
        )
        entry[f"lineage_{hops}_ms"] = statistics.median(row.latencies_ms) if not row.error else None
        entry[f"lineage_{hops}_error"] = row.error
        entry[f"lineage_{hops}_result"] = row.result
    return entry
