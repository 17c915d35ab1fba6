"""The provenance phase: one-call trace and impact against ml-metadata's lineage.

Both sides get the same data, written through ml_metadata's API (mdstore's over
gRPC, ``mdstore.MetadataStore(GrpcTransport)``, which has the same method names):

* the main workload's chain (200 executions, each reading the previous output
  and an ingested artifact): trace 20 and 100 hops upstream from its end;
* a 10,000-execution chain (each reads the previous output): trace from its end
  with no hop limit, 20,000 hops;
* a fan-out: one source read by 1,000 executions, each writing one model: the
  impact of the source.

mdstore answers through ``mdstore_client`` over gRPC (``client.trace``,
``client.impact``: one call, every page followed, the answer as pydantic models);
each trace row is then asked again through ``bench/trace_floor_server.py``, which
replays the same answer from memory: the floor of that row (no server work);
ml-metadata (a) in-process with ``get_lineage_subgraph`` (its C++ core, the
fastest it has), upstream or downstream with ``max_num_hops`` covering the same
answer. ml-metadata refuses more than 100 hops, and the report shows its error.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from typing import Any

from provenance_report import ROUND_TRIP, floor_row
from workload import (
    CONTEXT_TYPE,
    DATA_TYPE,
    Api,
    Row,
    Sizes,
    chain,
    graph_size,
    ingest,
    progress,
    put_contexts,
    put_one_execution,
    put_types,
    time_query,
)

LONG_CHAIN = 10_000
FAN_OUT = 1_000
CHAIN = 200
LONG_REPEATS = 3
# The trace rows are a few milliseconds each: enough runs for a steady median.
TRACE_REPEATS = 100
TRACE_HOPS = (20, 100)
# An impact answer is tens of milliseconds: 5 samples (the old count) moved its
# median by a third from run to run on a shared machine.
IMPACT_REPEATS = 20


class Questions:
    """How one configuration asks the three questions."""

    def trace(self, artifact_id: int, hops: int | None) -> Any:
        raise NotImplementedError

    def impact(self, artifact_id: int, hops: int) -> Any:
        raise NotImplementedError

    def size(self, answer: Any) -> dict[str, int]:
        raise NotImplementedError

    def round_trip(self) -> Callable[[], Any] | None:
        """The smallest call this configuration can make, when it makes calls."""
        return None

    def floor_trace(self, artifact_id: int, hops: int) -> Any:
        """``trace`` answered by a server doing no work; None: no such floor here."""
        return None


class MlmdQuestions(Questions):
    """ml-metadata: ``get_lineage_subgraph`` from one artifact."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def _ask(self, artifact_id: int, hops: int, direction: str) -> Any:
        pb = self.api.pb
        options = pb.LineageSubgraphQueryOptions(
            max_num_hops=hops,
            direction=getattr(pb.LineageSubgraphQueryOptions, direction),
        )
        options.starting_artifacts.filter_query = f"id = {artifact_id}"
        return self.api.store.get_lineage_subgraph(options)

    def trace(self, artifact_id: int, hops: int | None) -> Any:
        # No "unlimited" in ml-metadata: ask for the whole chain, which it refuses.
        return self._ask(artifact_id, 2 * LONG_CHAIN if hops is None else hops, "UPSTREAM")

    def impact(self, artifact_id: int, hops: int) -> Any:
        return self._ask(artifact_id, hops, "DOWNSTREAM")

    def size(self, answer: Any) -> dict[str, int]:
        return graph_size(answer)


class ClientQuestions(Questions):
    """mdstore: ``mdstore_client`` over gRPC, one call each."""

    def __init__(self, target: str, floor_target: str = "") -> None:
        import mdstore_client

        self.target = target
        self.client = mdstore_client.connect(target)
        # The same client, through bench/trace_floor_server.py in front of the server.
        self.floor = mdstore_client.connect(floor_target) if floor_target else None

    def trace(self, artifact_id: int, hops: int | None) -> Any:
        return self.client.trace(artifact_id, max_hops=hops)

    def impact(self, artifact_id: int, hops: int) -> Any:
        return self.client.impact(artifact_id)

    def floor_trace(self, artifact_id: int, hops: int) -> Any:
        return None if self.floor is None else self.floor.trace(artifact_id, max_hops=hops)

    def round_trip(self) -> Callable[[], Any] | None:
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        stub = health_pb2_grpc.HealthStub(grpc.insecure_channel(self.target))
        request = health_pb2.HealthCheckRequest()
        return lambda: stub.Check(request)

    def size(self, answer: Any) -> dict[str, int]:
        return {
            "artifacts": len(answer.artifacts),
            "executions": len(answer.executions),
            "events": len(answer.events),
        }


def run_provenance(api: Api, questions: Questions, sizes: Sizes) -> list[Row]:
    """Writes the three graphs, then times the questions; one ``Row`` per question."""
    ids = put_types(api)
    contexts = put_contexts(api, ids[CONTEXT_TYPE], 3, prefix="provenance")
    data = [a for batch, _ in ingest(api, ids[DATA_TYPE], 0, CHAIN + 1, 100) for a in batch]
    progress(f"provenance: {CHAIN}-execution chain")
    tail = _last(chain(api, ids, data[1:], contexts[:1], CHAIN, CHAIN))
    rows = []
    often = Sizes(repeats=max(sizes.repeats, TRACE_REPEATS), warmup=sizes.warmup)
    smallest = questions.round_trip()
    if smallest is not None:  # what any answer over gRPC costs at least
        progress(ROUND_TRIP)
        row = Row(ROUND_TRIP, "queries/s")
        rows.append(time_query(row, smallest, often.repeats, often.warmup, lambda _: {}))
    for hops in TRACE_HOPS:
        rows.append(
            _timed(
                f"trace upstream {hops} hops",
                lambda h=hops: questions.trace(tail.id, h),
                questions,
                often,
            )
        )
        if questions.floor_trace(tail.id, hops) is not None:  # also the untimed first ask
            rows.append(
                _timed(
                    floor_row(hops),
                    lambda h=hops: questions.floor_trace(tail.id, h),
                    questions,
                    often,
                )
            )
    progress(f"provenance: {LONG_CHAIN:,}-execution chain")
    end = _long_chain(api, ids, data[0], contexts[1])
    rows.append(
        _timed(
            f"trace {LONG_CHAIN:,}-execution chain ({2 * LONG_CHAIN:,} hops)",
            lambda: questions.trace(end.id, None),
            questions,
            Sizes(repeats=LONG_REPEATS, warmup=sizes.warmup),
        )
    )
    progress(f"provenance: a source feeding {FAN_OUT:,} models")
    source = _fan_out(api, ids, contexts[2])
    rows.append(
        _timed(
            f"impact of a source feeding {FAN_OUT:,} models",
            lambda: questions.impact(source.id, 2),
            questions,
            Sizes(repeats=max(IMPACT_REPEATS, sizes.repeats // 4), warmup=sizes.warmup),
        )
    )
    return rows


def _timed(name: str, ask: Callable[[], Any], questions: Questions, sizes: Sizes) -> Row:
    progress(name)
    return time_query(Row(name, "queries/s"), ask, sizes.repeats, sizes.warmup, questions.size)


def _last(outputs: Any) -> Any:
    """The last output of a ``chain`` of ``(output, seconds)``."""
    return collections.deque((output for output, _ in outputs), maxlen=1)[0]


def _long_chain(api: Api, ids: dict[str, int], first: Any, context: Any) -> Any:
    """A chain of LONG_CHAIN executions, each reading only the previous output."""
    previous, started = first, time.perf_counter()
    for step in range(LONG_CHAIN):
        previous = put_one_execution(api, ids, step, [previous], context)
        if step and step % 2_000 == 0:
            progress(f"  {step:,} executions ({time.perf_counter() - started:.0f} s)")
    return previous


def _fan_out(api: Api, ids: dict[str, int], context: Any) -> Any:
    """One source artifact, read by FAN_OUT executions that each write a model."""
    source = next(ingest(api, ids[DATA_TYPE], 9_000_000, 1, 1))[0][0]
    for step in range(FAN_OUT):
        put_one_execution(api, ids, step, [source], context)
    return source
