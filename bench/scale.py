"""The scale run: one store grown to a million artifacts, measured on the way.

Run through ``bench/workload.py --phase scale``; uses the workload's data, so the
artifacts are the ones the side-by-side run ingests.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
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
    repeats: int = 50,  # the checkpoints are compared: steady medians on a busy machine
    batch: int = 100,
    first: int = 10_000,
    on_point: Callable[[list[dict[str, Any]]], None] | None = None,
    open_control: Callable[[int], AbstractContextManager[Api]] | None = None,
) -> list[dict[str, Any]]:
    """Grows the store to ``top`` artifacts; measures at each checkpoint.

    At each checkpoint: the marginal ingest cost per artifact (median over the
    batches of the last ``window`` artifacts before it), and upstream lineage at
    20 / 100 hops from the end of a ``chain_len``-execution chain written after
    the first checkpoint.

    With ``open_control`` (a fresh empty store of the same kind for checkpoint
    ``n``), each window batch alternates with a batch into that control store,
    filled beforehand as the big store was at the first checkpoint. The control
    costs the same at every checkpoint except for how fast the machine runs at
    that moment, so big/control (the median of the pairs' ratios) is the cost
    relative to the first checkpoint's state with the machine's drift taken out.
    ``on_point`` gets the results so far after each checkpoint.
    """
    ids = put_types(api)
    points = checkpoints(top, first)
    window = min(window, points[0] // 2)
    contexts = put_contexts(api, ids[CONTEXT_TYPE], 1)
    head: list[Any] = []  # the first artifacts: inputs of the chain
    ingested, start_clock, tail = 0, time.perf_counter(), None
    results = []
    for number, point in enumerate(points):
        with _control_batches(open_control, number, points[0], window, batch) as control:
            window_s: list[float] = []  # per-artifact cost of each batch in the window
            ratios: list[float] = []  # window batch cost / the control batch's next to it
            for artifacts, seconds in ingest(
                api, ids[DATA_TYPE], ingested, point - ingested, batch
            ):
                if len(head) < chain_len:
                    head.extend(artifacts)
                ingested += len(artifacts)
                if ingested > point - window:
                    window_s.append(seconds / len(artifacts))
                    if control is not None:
                        control_artifacts, control_s = next(control)
                        ratios.append(window_s[-1] / (control_s / len(control_artifacts)))
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
        if ratios:
            entry["ingest_relative_to_control"] = statistics.median(ratios)
        entry.update(_scale_lineage(api, tail.id, repeats))
        results.append(entry)
        progress(f"scale {point}: {entry['ingest_us_per_artifact']:.1f} us/artifact")
        if on_point is not None:
            on_point(results)
    return results


@contextlib.contextmanager
def _control_batches(
    open_control: Callable[[int], AbstractContextManager[Api]] | None,
    number: int,
    first: int,
    window: int,
    batch: int,
) -> Iterator[Iterator[tuple[list[Any], float]] | None]:
    """The window batches of a fresh control store, filled (untimed) to where the
    big store's first window began; None without ``open_control``."""
    if open_control is None:
        yield None
        return
    with open_control(number) as control:
        types = put_types(control)
        put_contexts(control, types[CONTEXT_TYPE], 1)
        for _ in ingest(control, types[DATA_TYPE], 0, first - window, batch):
            pass
        yield ingest(control, types[DATA_TYPE], first - window, window, batch)


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
        if hasattr(api.store, "trace"):  # mdstore: the one-call trace of the same nodes
            row = time_query(
                Row(f"trace {hops}", "queries/s"),
                lambda h=hops: api.store.trace(artifact_id, max_hops=h),
                repeats,
                True,
                _trace_size,
            )
            entry[f"trace_{hops}_ms"] = (
                statistics.median(row.latencies_ms) if not row.error else None
            )
            entry[f"trace_{hops}_error"] = row.error
            entry[f"trace_{hops}_result"] = row.result
    return entry


def _trace_size(answer: Any) -> dict[str, int]:
    nodes = answer.nodes
    return {
        "artifacts": len(nodes.artifacts),
        "executions": len(nodes.executions),
        "events": len(nodes.events),
    }
