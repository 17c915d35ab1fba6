"""The ``mdstore`` command: serve (as a subprocess), db upgrade, db current."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from mdstore.cli import main
from mdstore.store.db.engine import mask_url
from mdstore.store.db.migrate import head_revision
from mdstore.wire import MDSTORE_SERVICE, v1
from tests.helpers.grpc import Stub

STARTUP = re.compile(r"mdstore serving (?P<url>\S+) .* on 127\.0\.0\.1:(?P<port>\d+)")


def _mdstore(*args: str) -> list[str]:
    return [sys.executable, "-m", "mdstore.cli", *args]


@pytest.fixture
def serve_command(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``mdstore serve`` on a fresh SQLite file, port 0; yields (process, db path)."""
    db = tmp_path / "served.db"
    process = subprocess.Popen(
        _mdstore("serve", "--db", f"sqlite:///{db}", "--port", "0", "--grace-seconds", "5"),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield process, str(db)
    if process.poll() is None:
        process.kill()
    process.wait(10)
    assert process.stderr is not None
    process.stderr.close()


def _read_startup_line(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    for line in process.stderr:  # bounded by the test timeout
        if "mdstore serving" in line:
            return line
    pytest.fail(f"mdstore serve exited ({process.wait()}) without a startup line")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_logs_startup_and_stops_on_signal(
    serve_command: tuple[subprocess.Popen[str], str], signum: int
) -> None:
    process, db = serve_command
    line = _read_startup_line(process)
    match = STARTUP.search(line)
    assert match, line
    assert match["url"] == f"sqlite:///{db}"
    assert "dialect sqlite" in line
    assert f"schema {head_revision()}" in line

    with grpc.insecure_channel(f"127.0.0.1:{match['port']}") as channel:
        info = Stub(channel, MDSTORE_SERVICE).GetServerInfo(v1.GetServerInfoRequest(), timeout=10)
    assert info.database_dialect == "sqlite"

    process.send_signal(signum)
    assert process.wait(timeout=30) == 0


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("mysql+pymysql://root:s3cret@db.example:3306/md", "s3cret"),
        ("postgresql+psycopg://ml:p%40ss@127.0.0.1/test", "p%40ss"),
    ],
)
def test_startup_url_masks_password(url: str, secret: str) -> None:
    masked = mask_url(url)
    assert secret not in masked
    assert "***" in masked
    assert masked.split("://")[0] == url.split("://")[0]


def test_serve_refuses_stale_schema(tmp_path: Path) -> None:
    db = tmp_path / "stale.db"
    assert main(["db", "upgrade", "--db", f"sqlite:///{db}"]) == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'bogus0000'")
    result = subprocess.run(
        _mdstore("serve", "--db", f"sqlite:///{db}", "--port", "0"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "mdstore db upgrade" in result.stderr
    assert "bogus0000" in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_then_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'md.db'}"
    assert main(["db", "current", "--db", url]) == 0
    before = capsys.readouterr().out
    assert "current: none" in before
    assert f"head: {head_revision()}" in before

    assert main(["db", "upgrade", "--db", url]) == 0
    assert head_revision() in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", url]) == 0  # again: nothing to do
    capsys.readouterr()

    assert main(["db", "current", "--db", url]) == 0
    after = capsys.readouterr().out.splitlines()
    assert after == [f"current: {head_revision()}", f"head: {head_revision()}"]


def test_cli_requires_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage: mdstore" in capsys.readouterr().err


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    # `mdstore … | head`: the pipe closes before the command writes.
    tokens = tmp_path / "tokens"
    tokens.write_text("ada admin sha256:" + "0" * 64 + "\n")
    command = _mdstore("tokens", "list", "--file", str(tokens))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 141
    assert errors == b""
