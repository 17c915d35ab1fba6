"""Renders benchmark results (the dict ``bench/run.py`` collects) as Markdown.

Standard library only. Missing configurations and failed rows render as ``n/a``
with the error as a footnote, so a partial run still gives a readable report.
"""

from __future__ import annotations

from typing import Any

import provenance_report

CONFIGS = {
    "a": "ml-metadata 1.17.1 in-process (SQLite)",
    "b": "ml-metadata behind a pass-through gRPC server, ml-metadata client",
    "c": "mdstore embedded `mdstore.MetadataStore` (SQLite)",
    "d": "`mdstore serve` (SQLite), ml-metadata client",
    "e": "(b) answering each repeated read from memory, ml-metadata client: the transport "
    "floor (a server doing no work) on the filter and lineage rows, whose queries repeat",
    "f": "(c) with the audit log off",
    "g": "(d) with the audit log off",
}
# (e)/(b) is the ceiling of (d)/(b) on the rows whose queries repeat: (e)'s server
# does no work there. On the other rows (e) is (b) again, so it shows the noise.
# (c)/(f) and (d)/(g): what the audit log costs (each write appends a hash-chained entry).
RATIOS = (("d", "b"), ("c", "a"), ("e", "b"), ("c", "f"), ("d", "g"))
AUDIT_TARGET = 0.85
WRITE_ROWS = ("ingest", "put_execution")
# The interleaved audit-cost phase (bench/audit_cost.py): which pair each part stands for.
AUDIT_COST = {"embedded": ("c", "f"), "served": ("d", "g")}
EVERY_ROW_TARGET = 1.0
LINEAGE_TARGET = 3.0
INGEST_GROWTH_TARGET = 1.3
SCALE_TARGET_TOP = 1_000_000


def _rows(results: dict[str, Any], config: str) -> dict[str, dict[str, Any]]:
    entry = results.get("configs", {}).get(config) or {}
    return {row["name"]: row for row in entry.get("rows", [])}


def row_names(results: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for config in CONFIGS:
        for name in _rows(results, config):
            if name not in names:
                names.append(name)
    return names


def rate(results: dict[str, Any], config: str, name: str) -> float | None:
    return _rows(results, config).get(name, {}).get("rate")


def ratio(results: dict[str, Any], top: str, bottom: str, name: str) -> float | None:
    num, den = rate(results, top, name), rate(results, bottom, name)
    return num / den if num and den else None


def _fmt_rate(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}×"


def _error(results: dict[str, Any], config: str, name: str) -> str | None:
    entry = results.get("configs", {}).get(config)
    if entry is None:
        return None  # configuration not run
    if entry.get("error"):
        return entry["error"]
    return _rows(results, config).get(name, {}).get("error") or (
        None if name in _rows(results, config) else "row missing"
    )


def _rate_cell(results: dict[str, Any], config: str, name: str, notes: list[str]) -> str:
    """A rate, or n/a with a footnote number (the error is added to ``notes``)."""
    value = rate(results, config, name)
    error = _error(results, config, name) if value is None else None
    if not error:
        return _fmt_rate(value)
    if error not in notes:
        notes.append(error)
    return f"{_fmt_rate(value)} [{notes.index(error) + 1}]"


def _unit(parts: list[dict[str, Any]], configs: str | list[str], name: str) -> str:
    return next((r[name]["unit"] for p in parts for c in configs if name in (r := _rows(p, c))), "")


def main_table(results: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The side-by-side table and its footnotes."""
    run = [c for c in CONFIGS if c in results.get("configs", {})]
    head = ["operation", "unit", *[f"({c})" for c in run]]
    ratios = [(t, b) for t, b in RATIOS if t in run and b in run]
    head += [f"({t})/({b})" for t, b in ratios]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes: list[str] = []
    for name in row_names(results):
        cells = [name, _unit([results], run, name)]
        cells += [_rate_cell(results, config, name, notes) for config in run]
        cells += [_fmt_ratio(ratio(results, t, b, name)) for t, b in ratios]
        lines.append("| " + " | ".join(cells) + " |")
    footnotes = [f"[{i}] {note}" for i, note in enumerate(notes, 1)]
    return lines, footnotes


def consistency(results: dict[str, Any]) -> list[str]:
    """Rows where the configurations returned different result sizes."""
    out = []
    for name in row_names(results):
        seen = {}
        for config in CONFIGS:
            row = _rows(results, config).get(name)
            if row and not row.get("error") and row.get("result"):
                seen[config] = {k: v for k, v in row["result"].items() if k != "filter"}
        if len({repr(v) for v in seen.values()}) > 1:
            detail = "; ".join(f"({c}) {v}" for c, v in seen.items())
            out.append(f"- **{name}** returned different results: {detail}")
    return out


def _scale_points(results: dict[str, Any], config: str) -> list[dict[str, Any]]:
    return (results.get("scale", {}).get(config) or {}).get("points", [])


def ingest_growth(
    results: dict[str, Any], config: str, key: str = "ingest_us_per_artifact"
) -> tuple[float, int, int] | None:
    """(``key`` at the top checkpoint / at the first, first size, top size).

    ``key`` is the raw cost, or ``ingest_relative_to_control``: the cost against a
    control store measured batch by batch alongside (scale.py), which takes out
    how fast the shared machine happened to run at each checkpoint.
    """
    points = _scale_points(results, config)
    if len(points) < 2 or points[0].get(key) is None or points[-1].get(key) is None:
        return None
    first, last = points[0], points[-1]
    return last[key] / first[key], first["artifacts"], last["artifacts"]


CONTROLLED = "ingest_relative_to_control"
SCALE_COLUMNS = {
    "ingest_us_per_artifact": "ingest µs/artifact",
    CONTROLLED: "ingest / control",
    "lineage_20_ms": "lineage 20 hops ms",
    "lineage_100_ms": "lineage 100 hops ms",
    "trace_20_ms": "trace 20 hops ms",
    "trace_100_ms": "trace 100 hops ms",
}


def scale_table(results: dict[str, Any]) -> list[str]:
    configs = [c for c in CONFIGS if _scale_points(results, c)]
    if not configs:
        return []
    # (key, config) columns some checkpoint measured: traces are mdstore's alone.
    columns = [
        (key, c)
        for key in SCALE_COLUMNS
        for c in configs
        if any(key in p for p in _scale_points(results, c))
    ]
    head = ["artifacts", *(f"({c}) {SCALE_COLUMNS[key]}" for key, c in columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    sizes = sorted({p["artifacts"] for c in configs for p in _scale_points(results, c)})
    for size in sizes:
        by_config = {
            c: next((p for p in _scale_points(results, c) if p["artifacts"] == size), {})
            for c in configs
        }
        cells = [f"{size:,}"]
        for key, c in columns:
            value = by_config[c].get(key)
            digits = 2 if key == CONTROLLED else 1
            cells.append("n/a" if value is None else f"{value:,.{digits}f}")
        lines.append("| " + " | ".join(cells) + " |")
    for c in configs:
        entry = results.get("scale", {}).get(c) or {}
        growth = ingest_growth(results, c)
        if growth:
            last = _scale_points(results, c)[-1]
            size = f", database {entry['db_mb']:,.0f} MB" if entry.get("db_mb") else ""
            lines.append("")
            controlled = ingest_growth(results, c, CONTROLLED)
            against = f"; {controlled[0]:.2f}× against the control" if controlled else ""
            lines.append(
                f"({c}) ingest cost per artifact grows {growth[0]:.2f}× from "
                f"{growth[1]:,} to {growth[2]:,} artifacts{against} "
                f"({last['elapsed_s']:,.0f} s{size})."
            )
        if entry.get("error"):
            lines.append("")
            lines.append(f"({c}) scale run stopped: {entry['error']}")
        errors = {
            p.get(f"lineage_{h}_error") for p in _scale_points(results, c) for h in (20, 100)
        } - {None}
        for error in sorted(errors):
            lines.append("")
            lines.append(f"({c}) lineage n/a: {error}")
    return lines


SERVER_DB_LABELS = {"mysql": "MariaDB/MySQL", "postgres": "PostgreSQL"}


def server_db_table(results: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(a) and (c) in-process on each server database: rates and (c)/(a)."""
    backends = [b for b in SERVER_DB_LABELS if b in (results.get("server_dbs") or {})]
    if not backends:
        return [], []
    # Shaped like the SQLite results, so the same row and cell helpers read them.
    per_backend = [{"configs": results["server_dbs"][b]} for b in backends]
    head = ["operation", "unit"]
    for backend in backends:
        label = SERVER_DB_LABELS[backend]
        head += [f"(a) {label}", f"(c) {label}", f"(c)/(a) {label}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes: list[str] = []
    names = [n for part in per_backend for n in row_names(part)]
    for name in dict.fromkeys(names):
        cells = [name, _unit(per_backend, "ac", name)]
        for part in per_backend:
            cells += [_rate_cell(part, config, name, notes) for config in "ac"]
            cells.append(_fmt_ratio(ratio(part, "c", "a", name)))
        lines.append("| " + " | ".join(cells) + " |")
    return lines, [f"[{i}] {note}" for i, note in enumerate(notes, 1)]


def _verdict(ok: bool | None) -> str:
    return {True: "**met**", False: "**not met**", None: "**not measured**"}[ok]


def targets(results: dict[str, Any]) -> list[str]:
    """The issue's targets, each with met / not met and the numbers behind it."""
    names = row_names(results)
    lineage = [n for n in names if n.startswith("lineage")]
    out = [
        _every_row(results, "d", "b", names, EVERY_ROW_TARGET, "(d) ≥ 1.0× (b) on every row"),
        _every_row(results, "d", "b", lineage, LINEAGE_TARGET, "(d) ≥ 3× (b) on lineage"),
        *_lineage_ceiling(results, lineage),
        _every_row(results, "c", "a", names, EVERY_ROW_TARGET, "(c) ≥ 1.0× (a) on every row"),
    ]
    for where in AUDIT_COST:
        out.extend(_audit_target(results, where))

    raw, controlled = ingest_growth(results, "c"), ingest_growth(results, "c", CONTROLLED)
    growth = controlled or raw
    label = "ingest cost per artifact grows ≤ 1.3× from 10k to 1M ((c), mdstore embedded)"
    if growth is None or raw is None:
        out.append(f"- {label}: {_verdict(None)} (scale run not done)")
    else:
        value, first, top = growth
        ok = value <= INGEST_GROWTH_TARGET if top >= SCALE_TARGET_TOP else None
        note = "" if top >= SCALE_TARGET_TOP else f"; only measured to {top:,} (--scale-max)"
        how = (
            f"{value:.2f}× against the control store, {raw[0]:.2f}× raw,"
            if controlled
            else f"{value:.2f}× raw,"
        )
        out.append(f"- {label}: {_verdict(ok)} ({how} from {first:,} to {top:,}{note})")
    return out


def _every_row(
    results: dict[str, Any], top: str, bottom: str, rows: list[str], floor: float, label: str
) -> str:
    """A target that (top)/(bottom) ≥ ``floor`` on each of ``rows``, as a report line."""
    if top not in results.get("configs", {}) or bottom not in results.get("configs", {}):
        return f"- {label}: {_verdict(None)} (configuration not run)"
    values = {n: ratio(results, top, bottom, n) for n in rows}
    missing = [n for n, v in values.items() if v is None]
    below = [f"{n} {v:.2f}×" for n, v in values.items() if v is not None and v < floor]
    worst = min((v for v in values.values() if v is not None), default=None)
    ok = not missing and not below
    detail = f"lowest {worst:.2f}×" if worst is not None else "no comparable rows"
    if below:
        detail += "; below: " + ", ".join(below)
    if missing:
        detail += "; n/a: " + ", ".join(missing)
    return f"- {label}: {_verdict(ok)} ({detail})"


def _audit_cost(results: dict[str, Any], where: str) -> dict[str, Any] | None:
    """The interleaved phase's result for ``where`` (embedded, served), if it ran."""
    return (results.get("audit_cost") or {}).get(where)


def _one_line(error: str) -> str:
    """An error (a server's log tail spans lines) fit for one Markdown line."""
    return " | ".join(line.strip() for line in error.splitlines() if line.strip())


def _audit_rows(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in entry.get("rows", [])}


def _audit_target(results: dict[str, Any], where: str) -> list[str]:
    """The audit-log target for ``where``: on the interleaved rounds' medians when the
    phase ran, else on the side-by-side columns (separate runs, minutes apart)."""
    top, bottom = AUDIT_COST[where]
    label = f"audit log on ≥ {AUDIT_TARGET:.2f}× off, writes, {where} ({top})/({bottom})"
    entry = _audit_cost(results, where)
    if entry and not entry.get("error"):
        return [_interleaved_verdict(entry, label)]
    writes = [n for n in row_names(results) if n.startswith(WRITE_ROWS)]
    line = _every_row(
        results, top, bottom, writes, AUDIT_TARGET, f"{label}, side by side (separate runs)"
    )
    if entry:
        return [line, f"  - the interleaved phase failed: {_one_line(entry['error'])}"]
    return [line]


def _interleaved_verdict(entry: dict[str, Any], label: str) -> str:
    """met when the median per-round ratio of every write row reaches the target."""
    rows = _audit_rows(entry)
    rounds = max((len(r["ratios"]) for r in rows.values()), default=0)
    missing = [p for p in WRITE_ROWS if not any(n.startswith(p) for n in rows)]
    below = [f"{n} {r['median']:.2f}×" for n, r in rows.items() if r["median"] < AUDIT_TARGET]
    parts = [f"{n} {r['median']:.2f}× [{r['min']:.2f}–{r['max']:.2f}]" for n, r in rows.items()]
    detail = "median per-round ratio: " + (", ".join(parts) or "no rows")
    if below:
        detail += "; below: " + ", ".join(below)
    if missing:
        detail += "; n/a: " + ", ".join(missing)
    ok = not below and not missing
    return f"- {label}, {rounds} interleaved rounds: {_verdict(ok)} ({detail})"


def audit_cost_table(results: dict[str, Any]) -> list[str]:
    """The interleaved phase's rows: per-round on/off ratios and the overall rates."""
    parts = [w for w in AUDIT_COST if _audit_cost(results, w)]
    if not parts:
        return []
    head = ["store", "operation", "unit", "rounds", "median on/off", "range"]
    head += ["on rate", "off rate"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    failed = []
    for where in parts:
        entry = _audit_cost(results, where) or {}
        store = f"{where} ({AUDIT_COST[where][0]})/({AUDIT_COST[where][1]})"
        if entry.get("error"):
            failed.append(f"{store}: n/a, {_one_line(entry['error'])}")
        for name, row in _audit_rows(entry).items():
            cells = [store, name, row["unit"], str(len(row["ratios"])), _fmt_ratio(row["median"])]
            cells += [f"{row['min']:.2f}–{row['max']:.2f}×"]
            cells += [_fmt_rate(row["rate_on"]), _fmt_rate(row["rate_off"])]
            lines.append("| " + " | ".join(cells) + " |")
    return lines + ([""] + failed if failed else [])


def audit_cost_intro(results: dict[str, Any]) -> str:
    """How the interleaved phase measured, from the sizes it recorded."""
    sizes = next(
        (e["sizes"] for w in AUDIT_COST if (e := _audit_cost(results, w)) and "sizes" in e), {}
    )
    work = (
        f"{sizes['rounds']} rounds, each writing {sizes['artifacts']:,} artifacts (batches of "
        f"{sizes['batch']}) and {sizes['executions']:,} chained put_execution calls into each"
        if sizes
        else "rounds, each writing the same artifacts and chained put_execution calls into each"
    )
    return (
        "One process writes into two fresh stores, audit log on and off, in "
        f"{work}, after one untimed round. Within a round the stores' calls alternate one "
        "by one, and which store goes first alternates from round to round. A round's "
        "ratio is on's rate over off's for the same work, the paired calls milliseconds "
        "apart, so the shared machine's drift cancels; the median over rounds leaves out "
        "a round that noise still moved. The audit-log targets are judged on these "
        "medians; the side-by-side (c)/(f) and (d)/(g) compare separate processes run "
        "minutes apart."
    )


def _lineage_ceiling(results: dict[str, Any], lineage: list[str]) -> list[str]:
    """What (e) says about the lineage target: the most any server could reach."""
    ceilings = {n: ratio(results, "e", "b", n) for n in lineage}
    if not lineage or any(v is None for v in ceilings.values()):
        return []
    parts = []
    for name, ceiling in ceilings.items():
        reached = ratio(results, "d", "b", name)
        share = f", (d) {reached / ceiling:.0%} of it" if reached and ceiling else ""
        parts.append(f"{name} {ceiling:.2f}×{share}")
    return [
        "  - ceiling, (e)/(b) in this run (ml-metadata's client against a server that "
        "answers from memory): " + "; ".join(parts)
    ]


def _synchronous(results: dict[str, Any]) -> str:
    """mdstore's SQLite durability in the run; runs before the setting were NORMAL."""
    value = results.get("sqlite_synchronous", "normal")
    durable = "an acknowledged commit survives a power loss"
    return f"FULL ({durable}, the default)" if value == "full" else f"{value.upper()} (opted out)"


def render(results: dict[str, Any]) -> str:
    """The whole ``docs/benchmarks.md`` page."""
    machine, versions, sizes = (results.get(k, {}) for k in ("machine", "versions", "sizes"))
    table, footnotes = main_table(results)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`); do not edit by hand. "
        "See `bench/README.md` for the method.",
        "",
        f"- date: {results.get('date', '?')}",
        f"- machine: {machine.get('nproc', '?')} CPUs, {machine.get('cpu', '?')}, "
        f"{machine.get('memory', '?')} RAM, Linux {machine.get('kernel', '?')}; "
        f"load average {machine.get('load_before', '?')} before, "
        f"{machine.get('load_after', '?')} after",
        *[f"- {k}: {v}" for k, v in versions.items()],
        f"- workload: {', '.join(f'{k}={v}' for k, v in sizes.items())}",
        f"- total wall time: {results.get('wall_seconds', 0):.0f} s",
        "",
        "## Configurations",
        "",
        *[f"- ({c}) {label}" for c, label in CONFIGS.items()],
        "",
        "All on SQLite files in one temporary directory, each in its own process, "
        "fed the same data. Rates are units per second (higher is better). "
        f"mdstore's SQLite commits: synchronous={_synchronous(results)}.",
    ]
    if results.get("configs"):
        lines += ["", "## Side by side", "", *table, "", *footnotes]
    mismatches = consistency(results)
    if mismatches:
        lines += ["", "Result sizes that differ between configurations:", "", *mismatches]
    audit_cost = audit_cost_table(results)
    if audit_cost:
        lines += [
            "",
            "## Audit log cost (interleaved)",
            "",
            audit_cost_intro(results),
            "",
            *audit_cost,
        ]
    server_table, server_notes = server_db_table(results)
    if server_table:
        lines += [
            "",
            "## Server databases",
            "",
            "The same workload, in-process, with ml-metadata (a) and mdstore (c) each "
            "on a fresh database of its own on the local server (not part of the "
            "targets, which are SQLite's).",
            "",
            *server_table,
            "",
            *server_notes,
        ]
    scale = scale_table(results)
    window = results.get("scale_window", 5000)
    if scale:
        lines += [
            "",
            f"## Scale run (to {results.get('scale_max', 0):,} artifacts)",
            "",
            "Ingest cost is the marginal cost per artifact: the median over the batches "
            f"of 100 among the last {window:,} artifacts before "
            'each size. "Ingest / control" divides each of those batches by a batch '
            "run right after it into a control store rebuilt at every size as the big "
            "store was at the first (filled untimed to the first size less "
            f"{window:,} artifacts, then given those {window:,}): the control "
            "costs the same at every size but for the machine's speed at that moment, so "
            "this column is the growth with a shared machine's drift taken out (the "
            "median of the pairs' ratios). Lineage is the median upstream query from the "
            "end of a 200-execution chain written after the first size.",
            "",
            *scale,
        ]
    provenance = provenance_report.table(results)
    if provenance:
        lines += ["", "## Provenance", "", provenance_report.INTRO, "", *provenance]
    lines += ["", "## Targets (issue 3)", "", *targets(results)]
    if provenance or results.get("scale"):
        lines += ["", "## Targets (provenance, issue 12)", "", *provenance_report.targets(results)]
    notes = results.get("notes") or []
    if notes:
        lines += ["", "## Notes", "", *[f"- {n}" for n in notes]]
    return "\n".join(lines) + "\n"
