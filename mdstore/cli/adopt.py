"""``mdstore import-mlmd --from URL --db URL``: adopt an ML Metadata database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mdstore.store import Database
from mdstore.store.db.engine import mask_url
from mdstore.store.mlmd_import.run import import_mlmd


def _import(args: argparse.Namespace) -> int:
    target = Database(args.db, create_if_empty=True, pool_size=1)
    try:
        with Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=_stderr(),
            disable=not sys.stderr.isatty(),  # no bar in logs and pipes
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase, total=max(total, 1))
                bar.update(tasks[phase], completed=done, total=max(total, 1))

            report = import_mlmd(args.source, target, progress)
    finally:
        target.close()
    how = "resumed and finished" if report.resumed else "imported"
    rate = report.rows / report.seconds if report.seconds else 0.0
    print(f"{how} {mask_url(args.source)} into {mask_url(args.db)}: {report.rows:,} rows in "
          f"{report.seconds:.1f} s ({rate:,.0f} rows/s)")  # fmt: skip
    width = max(len(label) for label, _, _ in report.counts)
    for label, source, got in report.counts:
        mark = "ok" if source == got else "DIFFERS"
        print(f"  {label:<{width}}  {source:>10,} in MLMD  {got:>10,} in mdstore  {mark}")
    if not report.ok:
        print("mdstore: error: the counts differ; see above", file=sys.stderr)
        return 1
    print("every table's rows are accounted for; ids are kept. `mdstore audit verify` checks them.")
    return 0


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def add_commands(commands: Any, default_db: str) -> None:
    """Adds ``import-mlmd`` to the ``mdstore`` parser."""
    imports = commands.add_parser(
        "import-mlmd", help="copy an ML Metadata database (schema 10) into mdstore, ids kept"
    )
    imports.add_argument(
        "--from", dest="source", required=True, metavar="URL",
        help="the ML Metadata database (sqlite:///mlmd.db, mysql+pymysql://…, postgresql+psycopg://…)",
    )  # fmt: skip
    imports.add_argument(
        "--db", default=default_db, metavar="URL",
        help=f"the mdstore database: empty, or an interrupted import (default: {default_db})",
    )  # fmt: skip
    imports.set_defaults(func=_import)
