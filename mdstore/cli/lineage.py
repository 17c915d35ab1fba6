"""``mdstore lineage trace | impact | path | diff``, ``mdstore delete`` and ``mdstore gc``.

Each talks to a running ``mdstore serve`` (``--server HOST:PORT``) or opens the
database itself (``--db URL``) through ``mdstore_client``, so both give the same
answers. ``--format json`` prints one JSON object holding the whole answer (every
page followed); the tree and text formats are for people.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import Any

from mdstore.errors import InvalidArgumentError
from mdstore.wire.times import from_iso

Handler = Callable[[argparse.Namespace], int]


def parse_time(text: str) -> int:
    """TIME: milliseconds since the epoch, or ISO 8601 (no zone means UTC)."""
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        return from_iso(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither ISO 8601 (2026-12-03T10:00:00Z) nor milliseconds since the epoch"
        ) from None


def connect(args: argparse.Namespace) -> Any:
    """The client ``--server`` or ``--db`` names.

    A server's credentials come from the environment, so they stay out of shell
    history and process lists: $MDSTORE_TOKEN (a bearer token), $MDSTORE_TLS_CA
    (connect with TLS, trusting this CA), $MDSTORE_TLS_CERT and $MDSTORE_TLS_KEY
    (a client certificate, for mutual TLS).
    """
    import mdstore_client  # the CLI's one client, embedded or over gRPC

    if not args.server:
        return mdstore_client.connect(args.db)
    env = os.environ
    tls = None
    if env.get("MDSTORE_TLS_CA") or env.get("MDSTORE_TLS_CERT"):
        tls = mdstore_client.TlsOptions.from_files(
            env.get("MDSTORE_TLS_CA"), env.get("MDSTORE_TLS_CERT"), env.get("MDSTORE_TLS_KEY")
        )
    return mdstore_client.connect(args.server, tls=tls, token=env.get("MDSTORE_TOKEN"))


def _print(args: argparse.Namespace, answer: Any, text: Callable[[], str]) -> int:
    if args.format == "json":
        print(json.dumps(answer.to_json(), indent=2, sort_keys=False))
    else:
        print(text())
    return 0


def _trace(args: argparse.Namespace) -> int:
    with connect(args) as client:
        answer = client.trace(
            args.id, execution=args.execution, max_hops=args.max_hops, as_of=args.as_of
        )
        return _print(args, answer, answer.render)


def _impact(args: argparse.Namespace) -> int:
    with connect(args) as client:
        answer = client.impact(args.id, as_of=args.as_of)
        return _print(args, answer, answer.render)


def _path(args: argparse.Namespace) -> int:
    with connect(args) as client:
        answer = client.lineage_path(
            args.from_id,
            args.to_id,
            source_is_execution=args.from_execution,
            target_is_execution=args.to_execution,
            as_of=args.as_of,
        )
        return _print(args, answer, answer.render)


def _diff(args: argparse.Namespace) -> int:
    with connect(args) as client:
        answer = client.diff(args.id, args.other_id, as_of=args.as_of)
        return _print(args, answer, answer.render)


def _delete(args: argparse.Namespace) -> int:
    with connect(args) as client:
        stones = client.delete(args.kind, args.ids, reason=args.reason, purge=args.purge)
    for stone in stones:
        purged = f", payload purged {stone.purged_at:%Y-%m-%d %H:%M:%S}Z" if stone.purged_at else ""
        print(
            f"{stone.kind} #{stone.id} deleted {stone.deleted_at:%Y-%m-%d %H:%M:%S}Z"
            f" ({stone.reason}){purged}"
        )
    return 0


def _gc(args: argparse.Namespace) -> int:
    if not args.purge:
        raise InvalidArgumentError(
            "gc purges payloads for good: add --purge to confirm (nodes deleted before "
            "--deleted-before lose their uri and properties)"
        )
    with connect(args) as client:
        purged = client.garbage_collect(args.deleted_before)
    for node in purged:
        print(f"purged {node.kind} #{node.id}")
    print(f"{len(purged)} node(s) purged")
    return 0


# ---------------------------------------------------------------- the parser


def store_options(parser: argparse.ArgumentParser, default_db: str) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--server", metavar="HOST:PORT", help="a running `mdstore serve`")
    where.add_argument(
        "--db",
        default=default_db,
        metavar="URL",
        help=f"open the database in-process instead (default: {default_db})",
    )


def _hops(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"a hop count cannot be negative: {value}")
    return value


def _common(parser: argparse.ArgumentParser, default_db: str, formats: tuple[str, ...]) -> None:
    store_options(parser, default_db)
    parser.add_argument(
        "--as-of",
        type=parse_time,
        metavar="TIME",
        help="the lineage as the store held it then: ISO 8601 (UTC unless a zone is "
        "given) or milliseconds since the epoch",
    )
    parser.add_argument("--format", choices=formats, default=formats[0])


def add_commands(commands: Any, default_db: str) -> None:
    """Adds ``lineage``, ``delete`` and ``gc`` to the ``mdstore`` parser."""
    lineage = commands.add_parser("lineage", help="provenance: trace, impact, path, diff")
    questions = lineage.add_subparsers(dest="question", required=True, metavar="QUESTION")

    trace = questions.add_parser("trace", help="what an artifact was made from")
    trace.add_argument("id", type=int, metavar="ARTIFACT_ID")
    trace.add_argument("--execution", action="store_true", help="the id names an execution")
    trace.add_argument("--max-hops", type=_hops, metavar="N", help="events to follow back")
    _common(trace, default_db, ("tree", "json"))
    trace.set_defaults(func=_trace)

    impact = questions.add_parser("impact", help="what was made from an artifact")
    impact.add_argument("id", type=int, metavar="ARTIFACT_ID")
    _common(impact, default_db, ("tree", "json"))
    impact.set_defaults(func=_impact)

    path = questions.add_parser("path", help="how two nodes are connected")
    path.add_argument("from_id", type=int, metavar="FROM_ID")
    path.add_argument("to_id", type=int, metavar="TO_ID")
    path.add_argument("--from-execution", action="store_true", help="FROM_ID is an execution")
    path.add_argument("--to-execution", action="store_true", help="TO_ID is an execution")
    _common(path, default_db, ("tree", "json"))
    path.set_defaults(func=_path)

    diff = questions.add_parser("diff", help="what changed between two artifacts' lineage")
    diff.add_argument("id", type=int, metavar="ARTIFACT_ID")
    diff.add_argument("other_id", type=int, metavar="OTHER_ID")
    _common(diff, default_db, ("text", "json"))
    diff.set_defaults(func=_diff)

    delete = commands.add_parser("delete", help="delete nodes (tombstones; lineage stays)")
    delete.add_argument("kind", choices=("artifact", "execution", "context"))
    delete.add_argument("ids", type=int, nargs="+", metavar="ID")
    delete.add_argument("--reason", required=True, metavar="TEXT", help="why (recorded)")
    delete.add_argument(
        "--purge", action="store_true", help="also erase the payload (uri, properties)"
    )
    store_options(delete, default_db)
    delete.set_defaults(func=_delete)

    gc = commands.add_parser("gc", help="retention: purge nodes deleted before a time")
    gc.add_argument("--deleted-before", type=parse_time, required=True, metavar="TIME")
    gc.add_argument("--purge", action="store_true", help="confirm: erase their payloads")
    store_options(gc, default_db)
    gc.set_defaults(func=_gc)
