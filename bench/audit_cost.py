"""What the audit log costs on writes, measured in interleaved rounds.

The side-by-side table's (c)/(f) and (d)/(g) divide rates of processes run minutes
apart, and a shared machine's speed drifts by 20-30 % in that time: enough to flip
the 0.85× target either way. Here one process writes into two stores, audit log on
and off, in rounds. Within a round the two stores' calls alternate one by one (a
batch into one, the same batch into the other), so each pair is milliseconds
apart and drift, or a burst of other load longer than a call, moves both alike;
which store goes first alternates from round to round, so neither is favoured by
going first. The median over rounds leaves out a round that noise still moved.
(Alternating whole rows instead, a row on one store then on the other, spread the
medians of nine runs on a loaded 2-CPU machine about twice as wide; bench/README.md
has the numbers.)

Run through ``bench/workload.py --phase audit-cost``. Standard library only at
import (like workload.py), so it runs in both interpreters; the data and the write
calls are the main workload's.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from workload import (  # bench/ is on sys.path: scripts run from it, tests add it
    CONTEXT_TYPE,
    DATA_TYPE,
    EXECUTION_ROW,
    Api,
    chain,
    ingest,
    ingest_row,
    progress,
    put_contexts,
    put_types,
)


@dataclass
class AuditSizes:
    """How much each round writes into each store, and how many rounds are timed."""

    rounds: int = 9
    # 30 put_artifacts calls per store and round: fewer left the ingest ratio noisy.
    artifacts: int = 3_000
    batch: int = 100
    executions: int = 200
    executions_per_context: int = 100


@dataclass
class Side:
    """One store across the rounds: its ids, where its chain ended, what it measured.

    The chain and the artifact indexes go on from round to round, so no round
    rewrites another's rows and both stores grow alike.
    """

    api: Api
    ids: dict[str, int] = field(default_factory=dict)
    contexts: list[Any] = field(default_factory=list)
    previous: Any = None  # the chain's last output
    data: list[Any] = field(default_factory=list)  # this round's ingested artifacts
    rates: dict[str, list[float]] = field(default_factory=dict)  # per timed round
    totals: dict[str, list[float]] = field(default_factory=dict)  # [ops, seconds]

    def add_batch(self, batch: list[Any]) -> None:
        self.data.extend(batch)

    def set_previous(self, output: Any) -> None:
        self.previous = output

    def record(self, row: str, ops: int, seconds: float) -> None:
        """Adds one timed round's work on ``row``."""
        self.rates.setdefault(row, []).append(ops / seconds)
        total = self.totals.setdefault(row, [0, 0.0])
        total[0] += ops
        total[1] += seconds


def prepare(api: Api, sizes: AuditSizes) -> Side:
    """Registers the types and every round's contexts (the untimed one included)."""
    ids = put_types(api)
    per_round = -(-sizes.executions // sizes.executions_per_context)
    count = max(1, (sizes.rounds + 1) * per_round)
    contexts = put_contexts(api, ids[CONTEXT_TYPE], count, prefix="audit-run")
    return Side(api, ids, contexts)


def ingest_calls(side: Side, number: int, sizes: AuditSizes) -> Iterator[tuple[Any, float]]:
    """Round ``number``'s artifacts, in ``put_artifacts`` batches of ``sizes.batch``."""
    side.data = []
    start = number * sizes.artifacts
    return ingest(side.api, side.ids[DATA_TYPE], start, sizes.artifacts, sizes.batch)


def chain_calls(side: Side, number: int, sizes: AuditSizes) -> Iterator[tuple[Any, float]]:
    """Round ``number``'s executions, each reading the chain's last output and one of
    this round's artifacts."""
    return chain(
        side.api,
        side.ids,
        side.data,
        side.contexts,
        sizes.executions,
        sizes.executions_per_context,
        start=number * sizes.executions,
        previous=side.previous,
    )


def alternate(
    order: list[Side],
    calls: list[Iterator[tuple[Any, float]]],
    keep: Callable[[Side, Any], None],
) -> list[float]:
    """Makes one call on each store in ``order`` in turn until all are done; returns
    each store's seconds. ``keep`` takes each call's result (the batch, the output)."""
    seconds = [0.0] * len(order)
    for results in zip(*calls, strict=True):
        for i, (side, (value, elapsed)) in enumerate(zip(order, results, strict=True)):
            keep(side, value)
            seconds[i] += elapsed
    return seconds


def run_round(order: list[Side], number: int, sizes: AuditSizes, timed: bool) -> None:
    """One round: the artifacts, then the executions, the stores' calls alternating."""
    seconds = alternate(order, [ingest_calls(s, number, sizes) for s in order], Side.add_batch)
    if timed:
        for side, spent in zip(order, seconds, strict=True):
            side.record(ingest_row(sizes.batch), len(side.data), spent)
    seconds = alternate(order, [chain_calls(s, number, sizes) for s in order], Side.set_previous)
    if timed:
        for side, spent in zip(order, seconds, strict=True):
            side.record(EXECUTION_ROW, sizes.executions, spent)


def summarize(on: Side, off: Side, sizes: AuditSizes) -> dict[str, Any]:
    """Per write row: each round's on/off rate ratio, their median and range, and the
    rates over all timed rounds."""
    units = {ingest_row(sizes.batch): "artifacts/s", EXECUTION_ROW: "calls/s"}
    rows = []
    for name, unit in units.items():
        ratios = [a / b for a, b in zip(on.rates[name], off.rates[name], strict=True)]
        rows.append(
            {
                "name": name,
                "unit": unit,
                "ratios": ratios,
                "median": statistics.median(ratios),
                "min": min(ratios),
                "max": max(ratios),
                "rate_on": on.totals[name][0] / on.totals[name][1],
                "rate_off": off.totals[name][0] / off.totals[name][1],
            }
        )
    return {"rounds": sizes.rounds, "sizes": asdict(sizes), "rows": rows}


def run_audit_cost(on: Api, off: Api, sizes: AuditSizes | None = None) -> dict[str, Any]:
    """Writes the same rounds into ``on`` (audit log on) and ``off`` (off); returns
    ``summarize``'s per-row ratios.

    One untimed round first (statement caches, lazy imports); then ``sizes.rounds``
    timed ones, on first in the 1st, 3rd, … and off first in the others.
    """
    sizes = sizes or AuditSizes()
    if sizes.rounds < 1 or sizes.artifacts < 1 or sizes.executions < 1:
        raise ValueError(f"audit-cost needs at least one round, artifact and execution: {sizes}")
    sides = [prepare(on, sizes), prepare(off, sizes)]
    run_round(sides, 0, sizes, timed=False)
    for number in range(1, sizes.rounds + 1):
        progress(f"audit cost: round {number}/{sizes.rounds}")
        order = sides if number % 2 else sides[::-1]
        run_round(order, number, sizes, timed=True)
    return summarize(sides[0], sides[1], sizes)
