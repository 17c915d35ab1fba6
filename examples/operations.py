"""The demo's operations part: the server's own Prometheus metrics, then a backup
taken while it serves, restored into a fresh database whose audit log verifies.

Called by demo.py before it stops the server.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

import mdstore_client
from mdstore.store.db.backup import backup, restore


def operations(db: Path, log_path: Path, workdir: Path, say: Callable[[str], None]) -> None:
    found = re.search(r"metrics on (http://\S+/metrics)", log_path.read_text())
    if found:
        with urllib.request.urlopen(found.group(1), timeout=10) as answer:
            text = answer.read().decode()
        calls: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "mdstore_requests_total":
                    code = sample.labels["code"]
                    calls[code] = calls.get(code, 0) + sample.value
        counted = ", ".join(f"{int(n):,} {code}" for code, n in sorted(calls.items()))
        say(f"▸ The server's Prometheus metrics ({found.group(1)}): calls by status: {counted}")
    copy = workdir / "mdstore-backup.sqlite"
    copied = backup(f"sqlite:///{db}", copy)
    say(f"▸ Online backup while serving: {sum(copied.rows.values()):,} rows to {copy.name}"
        "   (mdstore db backup)")  # fmt: skip
    restored = workdir / "restored.db"
    restore(copy, f"sqlite:///{restored}")
    with mdstore_client.connect(f"sqlite:///{restored}") as client:
        report = client.verify_audit_log()
    verdict = "verifies" if report.ok else "FAILS"
    say(f"  restored into {restored.name} (any of SQLite, MySQL, PostgreSQL): its audit log"
        f" {verdict}, {report.rows} rows checked   (mdstore db restore)")  # fmt: skip
    say()
