"""``mdstore audit verify | log | adopt``: the audit chain, checked, listed, and
extended over rows written without it."""

from __future__ import annotations

import argparse
import datetime
import json
from typing import Any

from mdstore.cli.lineage import connect, store_options
from mdstore.wire import v1
from mdstore.wire.pages import all_audit_entries

_SHOWN_PROBLEMS = 20


def _verify(args: argparse.Namespace) -> int:
    with connect(args) as client:
        answer = client.call("VerifyAuditLog", v1.VerifyAuditLogRequest())
    if answer.ok:
        print(
            f"audit log verifies: {answer.entries:,} entries, {answer.rows:,} rows checked, "
            f"head #{answer.head_seq} {answer.head_hash[:16]}"
        )
        return 0
    first = answer.problems[0]
    where = f"entry {first.seq}" if first.HasField("seq") else "a row outside the log"
    print(f"audit log does NOT verify; first failure at {where}: {first.message}")
    for problem in answer.problems[1:_SHOWN_PROBLEMS]:
        print(f"  also: {problem.message}")
    shown = min(len(answer.problems), _SHOWN_PROBLEMS)
    if answer.problem_count > shown:
        print(f"  … and {answer.problem_count - shown:,} more")
    if answer.unrecorded_rows:
        rows = f"{answer.unrecorded_rows:,} row{'s' if answer.unrecorded_rows != 1 else ''}"
        only = answer.unrecorded_rows == answer.problem_count  # else adopting is refused
        hint = ": `mdstore audit adopt` records them as they are" if only else ""
        print(f"  {rows} recorded by no entry{hint}")
    return 1


def _adopt(args: argparse.Namespace) -> int:
    with connect(args) as client:
        request = v1.AdoptUnrecordedRowsRequest(rows_per_entry=args.rows_per_entry)
        answer = client.call("AdoptUnrecordedRows", request)
    if not answer.adopted:
        print("no unrecorded rows: nothing to adopt")
        return 0
    entries = f"{answer.entries} audit entr{'y' if answer.entries == 1 else 'ies'}"
    print(f"adopted {answer.adopted:,} unrecorded rows in {entries}:")
    for table, count in sorted(answer.tables.items()):
        print(f"  {table.replace('_', ' '):<20} {count:>12,}")
    return 0


def _log(args: argparse.Namespace) -> int:
    nodes = []
    if args.artifact is not None:
        nodes.append(v1.NodeRef(kind=1, id=args.artifact))
    if args.execution is not None:
        nodes.append(v1.NodeRef(kind=2, id=args.execution))
    with connect(args) as client:
        request = v1.GetAuditEntriesRequest(nodes=nodes)
        entries = all_audit_entries(client.call, request).entries
    if args.format == "json":
        print(json.dumps({"entries": [_entry_json(e) for e in entries]}, indent=2))
    else:
        for entry in entries:
            print(_entry_line(entry))
        if not entries:
            print("no audit entries")
    return 0


def _entry_json(entry: Any) -> dict[str, Any]:
    affected = json.loads(entry.affected_json)
    return {
        "seq": entry.seq,
        "recorded_at_millis": entry.recorded_at_millis,
        "principal": entry.principal,
        "method": entry.method,
        "request_digest": entry.request_digest,
        "nodes": affected["nodes"],
        "rows": affected["rows"],
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _entry_line(entry: Any) -> str:
    when = datetime.datetime.fromtimestamp(entry.recorded_at_millis / 1000, datetime.timezone.utc)
    method = entry.method.rsplit("/", 1)[-1]
    nodes = json.loads(entry.affected_json)["nodes"]
    shown = ", ".join(n.replace(":", " ") for n in nodes[:4]) + (" …" if len(nodes) > 4 else "")
    who = entry.principal or "-"
    return (
        f"#{entry.seq:<6} {when:%Y-%m-%d %H:%M:%S.%f}"[:-3]
        + f"  {method:<28} {who:<12} {entry.hash[:12]}  {shown}"
    )


def add_commands(commands: Any, default_db: str) -> None:
    """Adds ``audit verify``, ``audit log`` and ``audit adopt`` to the ``mdstore`` parser."""
    audit = commands.add_parser("audit", help="the tamper-evident audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    verify = audit_commands.add_parser("verify", help="walk the chain and check every row")
    store_options(verify, default_db)
    verify.set_defaults(func=_verify)
    log = audit_commands.add_parser("log", help="list audit entries")
    which = log.add_mutually_exclusive_group()
    which.add_argument("--artifact", type=int, metavar="ID", help="entries that touched it")
    which.add_argument("--execution", type=int, metavar="ID", help="entries that touched it")
    log.add_argument("--format", choices=("text", "json"), default="text")
    store_options(log, default_db)
    log.set_defaults(func=_log)
    adopt = audit_commands.add_parser(
        "adopt",
        help="record rows no entry recorded (written before the log, or with it off)",
    )
    adopt.add_argument(
        "--rows-per-entry", type=int, default=0, metavar="N",
        help="rows recorded per audit entry (default and most 100,000)",
    )  # fmt: skip
    store_options(adopt, default_db)
    adopt.set_defaults(func=_adopt)
