"""The ``mdstore`` command line: ``serve``, ``db upgrade | current``, and the
provenance commands ``lineage trace | impact | path | diff``, ``delete`` and ``gc``
(``cli/lineage.py``), the model registry's ``models ...`` (``cli/models.py``),
``export``, ``verify-bundle`` and ``keys generate`` (``cli/export.py``), and
``audit verify | log`` (``cli/audit.py``).

A composition root: it parses arguments and calls functions. Errors that reach
users (``MdstoreError``) are printed as one line and exit with status 1.
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mdstore.cli import adopt, audit, export, lineage, models, security
from mdstore.errors import InvalidArgumentError, MdstoreError
from mdstore.store.db.engine import create_db_engine, mask_url
from mdstore.store.db.migrate import current_revision, head_revision, upgrade

DEFAULT_DB = "sqlite:///mdstore.db"


def _serve(args: argparse.Namespace) -> int:
    # Imported here so `db upgrade` works without loading the request handlers.
    from mdstore.server.app import TlsFiles, serve
    from mdstore.server.auth import Credentials

    if (args.tls_cert is None) != (args.tls_key is None):
        raise InvalidArgumentError("TLS needs both --tls-cert and --tls-key")
    if args.tls_client_ca is not None and args.tls_cert is None:
        raise InvalidArgumentError("--tls-client-ca (mutual TLS) needs --tls-cert and --tls-key")
    tls = TlsFiles(args.tls_cert, args.tls_key, args.tls_client_ca) if args.tls_cert else None
    credentials = Credentials.load(args.tokens_file)

    # A crash in a C extension (grpc, protobuf, a driver) then leaves its stack in
    # the log instead of a silently vanished process.
    faulthandler.enable()

    serve(
        args.db,
        args.host,
        args.port,
        max_workers=args.workers,
        grace_seconds=args.grace_seconds,
        audit_log=not args.no_audit_log,
        tls=tls,
        credentials=credentials,
        metrics_port=args.metrics_port,
    )
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    engine = create_db_engine(args.db)
    try:
        upgrade(engine)
        print(f"{mask_url(args.db)}: schema at {current_revision(engine)}")
    finally:
        engine.dispose()
    return 0


def _db_current(args: argparse.Namespace) -> int:
    engine = create_db_engine(args.db)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    print(f"current: {current or 'none (no mdstore schema)'}")
    print(f"head: {head_revision()}")
    return 0


def _db_backup(args: argparse.Namespace) -> int:
    from mdstore.store.db.backup import backup

    copied = backup(args.db, args.output)
    total = sum(copied.rows.values())
    print(
        f"backed up {mask_url(args.db)} (schema {copied.revision}) to {args.output}: "
        f"{total:,} rows in {len(copied.rows)} tables"
    )
    return 0


def _db_restore(args: argparse.Namespace) -> int:
    from mdstore.store.db.backup import restore

    copied = restore(args.file, args.db)
    total = sum(copied.rows.values())
    print(
        f"restored {args.file} (schema {copied.revision}) into {mask_url(args.db)}: "
        f"{total:,} rows in {len(copied.rows)} tables; schema now at {head_revision()}. "
        "Check it with `mdstore audit verify`."
    )
    return 0


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="URL",
        help=f"SQLAlchemy database URL (default: {DEFAULT_DB})",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each command sets ``func`` to the function it runs."""
    parser = argparse.ArgumentParser(
        prog="mdstore", description="ML Metadata compatible metadata store."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the MLMD gRPC API")
    _add_db_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    serve.add_argument("--workers", type=int, default=16, help="concurrent request threads")
    serve.add_argument(
        "--grace-seconds",
        type=float,
        default=10.0,
        help="on SIGTERM/SIGINT, time in-flight requests get to finish",
    )
    serve.add_argument("--tls-cert", type=Path, metavar="FILE", help="serve TLS: certificate (PEM)")
    serve.add_argument("--tls-key", type=Path, metavar="FILE", help="serve TLS: private key (PEM)")
    serve.add_argument(
        "--tls-client-ca",
        type=Path,
        metavar="FILE",
        help="mutual TLS: require client certificates signed by this CA (PEM)",
    )
    serve.add_argument(
        "--tokens-file",
        type=Path,
        metavar="FILE",
        help="require authentication: principals, roles and token hashes (or $MDSTORE_TOKENS)",
    )
    serve.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve Prometheus metrics at http://HOST:PORT/metrics (0 picks a port); "
        "https with --tls-cert, client certificates required with --tls-client-ca",
    )
    serve.add_argument(
        "--no-audit-log",
        action="store_true",
        help="append no audit entries (only to measure their cost: `mdstore audit verify` "
        "then reports every row written meanwhile)",
    )
    serve.set_defaults(func=_serve)

    db = commands.add_parser("db", help="manage the database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = db_commands.add_parser("upgrade", help="create or upgrade the schema to head")
    _add_db_option(upgrade)
    upgrade.set_defaults(func=_db_upgrade)
    current = db_commands.add_parser("current", help="print the current and head revisions")
    _add_db_option(current)
    current.set_defaults(func=_db_current)
    backup = db_commands.add_parser(
        "backup", help="a consistent copy as a SQLite file, while the server keeps serving"
    )
    _add_db_option(backup)
    backup.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    backup.set_defaults(func=_db_backup)
    restore = db_commands.add_parser(
        "restore", help="load a backup into an empty SQLite, MySQL or PostgreSQL database"
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    _add_db_option(restore)
    restore.set_defaults(func=_db_restore)
    lineage.add_commands(commands, DEFAULT_DB)
    models.add_commands(commands, DEFAULT_DB)
    export.add_commands(commands, DEFAULT_DB)
    audit.add_commands(commands, DEFAULT_DB)
    security.add_commands(commands)
    adopt.add_commands(commands, DEFAULT_DB)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one ``mdstore`` command and returns its exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Alembic narrates every connection at INFO; keep `serve`'s output to its startup line.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        status = func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except MdstoreError as e:
        print(f"mdstore: error: {e.message}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`mdstore lineage diff … | head`): stop quietly, as
        # Unix tools do, and keep Python from complaining again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a tool killed by it
