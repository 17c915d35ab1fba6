"""The report's provenance section: trace and impact against ml-metadata's lineage."""

from __future__ import annotations

from typing import Any

TRACE_TARGET = 3.0
TRACE_GROWTH_TARGET = 1.3
TRACE_ROWS = ("trace upstream 20 hops", "trace upstream 100 hops")
SCALE_HOPS = (20, 100)
ROUND_TRIP = "one gRPC round trip to mdstore serve (a health check: no database)"
FLOOR_SUFFIX = ", the same answer replayed from memory (floor)"


def floor_row(hops: int) -> str:
    """The name of a trace row's floor: mdstore_client against a server doing no work."""
    return f"trace upstream {hops} hops{FLOOR_SUFFIX}"


def _compared(name: str) -> str:
    """The (a) row a row is compared with: a floor row's is its trace row's."""
    return name.removesuffix(FLOOR_SUFFIX)


INTRO = (
    "One question per row, on its own SQLite file: (a) ml-metadata in-process "
    "`get_lineage_subgraph` (its C++ core) against `mdstore_client` over gRPC to "
    "`mdstore serve` (`client.trace`, `client.impact`: one call, every page followed, "
    "the answer as pydantic models). Median milliseconds (lower is better); speed-up "
    "is (a)'s time over mdstore's. ml-metadata caps a walk at 100 hops: asked for the "
    "10,000-execution chain it answers the first 100 (the answer columns show what "
    "each returned). A floor row asks its trace again through "
    "`bench/trace_floor_server.py`, which replays `mdstore serve`'s answer from memory: "
    "the client, gRPC and Python's server loop with no server work, so its speed-up "
    "is the most any server behind `mdstore_client` could reach in this run. "
    "See bench/provenance.py."
)


def _rows(results: dict[str, Any], side: str) -> dict[str, dict[str, Any]]:
    part = (results.get("provenance") or {}).get(side) or {}
    return {row["name"]: row for row in part.get("rows", [])}


def _ms(row: dict[str, Any] | None) -> str:
    if not row or row.get("error") or row.get("p50_ms") is None:
        return "n/a"
    value = float(row["p50_ms"])
    return f"{value:,.2f}" if value < 10 else f"{value:,.1f}"


def _answer(row: dict[str, Any] | None) -> str:
    result = (row or {}).get("result") or {}
    if not result:
        return "n/a"
    return f"{result.get('artifacts', 0):,} a / {result.get('executions', 0):,} e"


def speedup(results: dict[str, Any], name: str) -> float | None:
    """(a)'s median time over mdstore_client's for one row (higher: mdstore faster)."""
    mlmd, client = _rows(results, "a").get(_compared(name)), _rows(results, "client").get(name)
    if not mlmd or not client or mlmd.get("error") or client.get("error"):
        return None
    if not mlmd.get("p50_ms") or not client.get("p50_ms"):
        return None
    return float(mlmd["p50_ms"]) / float(client["p50_ms"])


def table(results: dict[str, Any]) -> list[str]:
    """The side-by-side rows, or nothing when the phase did not run."""
    part = results.get("provenance") or {}
    if not part:
        return []
    names = list(dict.fromkeys([*_rows(results, "client"), *_rows(results, "a")]))
    lines = [
        "| question | (a) ms | (a) answer | mdstore_client ms | mdstore answer | speed-up |",
        "|---|---|---|---|---|---|",
    ]
    for name in names:
        mlmd, client = _rows(results, "a").get(_compared(name)), _rows(results, "client").get(name)
        ratio = speedup(results, name)
        lines.append(
            f"| {name} | {_ms(mlmd)} | {_answer(mlmd)} | {_ms(client)} | {_answer(client)} "
            f"| {'n/a' if ratio is None else f'{ratio:.2f}×'} |"
        )
    for side, label in (("a", "(a)"), ("client", "mdstore_client")):
        error = (part.get(side) or {}).get("error")
        if error:
            lines += ["", f"{label} provenance phase failed: {error}"]
        for name, row in _rows(results, side).items():
            if row.get("error"):
                lines += ["", f"{label} {name}: {row['error']}"]
    return lines


def trace_growth(results: dict[str, Any], hops: int) -> tuple[float, int, int] | None:
    """(trace ms at the top checkpoint / at the first, first size, top size) of (c)."""
    points = ((results.get("scale") or {}).get("c") or {}).get("points") or []
    key = f"trace_{hops}_ms"
    if len(points) < 2 or not points[0].get(key) or not points[-1].get(key):
        return None
    return points[-1][key] / points[0][key], points[0]["artifacts"], points[-1]["artifacts"]


def _budget(results: dict[str, Any], name: str) -> str:
    """What 3× leaves for mdstore's whole answer, beside what one round trip takes."""
    mlmd, floor = _rows(results, "a").get(name), _rows(results, "client").get(ROUND_TRIP)
    if not mlmd or not floor or not mlmd.get("p50_ms") or not floor.get("p50_ms"):
        return ""
    budget = float(mlmd["p50_ms"]) / TRACE_TARGET
    return (
        f"; 3× leaves {budget:.2f} ms for the whole answer, of which one round trip to"
        f" `mdstore serve` takes {float(floor['p50_ms']):.2f} ms"
    )


def _ceiling(results: dict[str, Any], name: str) -> list[str]:
    """What the floor row says about a trace target: the most any server could reach."""
    hops = name.removeprefix("trace upstream ").removesuffix(" hops")
    floor = _rows(results, "client").get(floor_row(int(hops))) if hops.isdigit() else None
    ceiling = speedup(results, floor_row(int(hops))) if floor else None
    if floor is None or ceiling is None:
        return []
    mlmd = float(_rows(results, "a")[name]["p50_ms"])
    left = mlmd / TRACE_TARGET - float(floor["p50_ms"])
    room = (
        f"3× leaves {left:.2f} ms for the server's work"
        if left > 0
        else "3× is out of reach for any server behind mdstore_client"
    )
    return [
        f"  - ceiling: the same answer replayed from memory takes {_ms(floor)} ms, "
        f"{ceiling:.2f}× (a); {room}"
    ]


def targets(results: dict[str, Any]) -> list[str]:
    """The provenance issue's targets, met or not, with the numbers behind them."""
    out = []
    for name in TRACE_ROWS:
        ratio = speedup(results, name)
        verdict = (
            "**not measured**"
            if ratio is None
            else ("**met**" if ratio >= TRACE_TARGET else "**not met**")
        )
        detail = "" if ratio is None else f" ({ratio:.2f}×{_budget(results, name)})"
        out.append(f"- {name} through mdstore_client ≥ 3× (a): {verdict}{detail}")
        out.extend(_ceiling(results, name))
    for hops in SCALE_HOPS:
        growth = trace_growth(results, hops)
        label = f"trace {hops} hops at 1M artifacts within 1.3× of 10k ((c))"
        if growth is None:
            out.append(f"- {label}: **not measured**")
            continue
        value, first, top = growth
        ok = value <= TRACE_GROWTH_TARGET
        note = "" if top >= 1_000_000 else f"; only measured to {top:,}"
        out.append(
            f"- {label}: {'**met**' if ok else '**not met**'} "
            f"({value:.2f}× from {first:,} to {top:,}{note})"
        )
    return out
