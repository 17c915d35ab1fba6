"""Token expiry and rotation: an expired credential is UNAUTHENTICATED, a running
``mdstore serve`` re-reads its tokens file on SIGHUP (keeping the previous tokens
when the new file is malformed), and ``mdstore tokens add|remove|list``."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import mdstore_client
from mdstore.cli import main
from mdstore.server.app import create_server
from mdstore.server.auth import ENV_TOKENS, Credentials, parse_expiry, token_hash
from mdstore.service.dispatch import Service
from mdstore.wire import mlmd
from mdstore.wire.times import to_iso
from tests.helpers.processes import start_serve

ONE_DAY_MS = 86_400_000
RETRY_ONCE = mdstore_client.RetryPolicy(max_attempts=1)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _ask(target: str, token: str) -> str:
    """The outcome of one read with ``token``: "OK" or the error's class name."""
    with mdstore_client.connect(target, token=token, retry=RETRY_ONCE) as client:
        try:
            client.call("GetArtifactTypes", mlmd.GetArtifactTypesRequest())
        except mdstore_client.MdstoreError as e:
            return type(e).__name__
    return "OK"


def test_an_expired_credential_is_unauthenticated(service: Service) -> None:
    past, future = to_iso(_now_ms() - 60_000), to_iso(_now_ms() + ONE_DAY_MS)
    text = (
        f"old reader {token_hash('old-token')} expires={past}\n"
        f"new reader {token_hash('new-token')} expires={future}\n"
    )
    server, port = create_server(service, "127.0.0.1:0", 2, credentials=Credentials(text, "t"))
    server.start()
    try:
        target = f"127.0.0.1:{port}"
        assert _ask(target, "new-token") == "OK"
        old = mdstore_client.connect(target, token="old-token", retry=RETRY_ONCE)
        with (
            old,
            pytest.raises(mdstore_client.UnauthenticatedError, match=f"old expired at {past}"),
        ):
            old.call("GetArtifactTypes", mlmd.GetArtifactTypesRequest())
    finally:
        server.stop(None)


def _wait_for(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_sighup_reloads_the_tokens_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"walt writer {token_hash('walt-token')}\n")
    log = tmp_path / "serve.log"
    server = start_serve(f"sqlite:///{tmp_path}/s.db", log, "--tokens-file", str(tokens))
    try:
        assert _ask(server.target, "walt-token") == "OK"
        # Rotate: a new principal in, the old one out, then SIGHUP.
        assert main(["tokens", "add", "nina", "--role", "reader", "--file", str(tokens)]) == 0
        nina = capsys.readouterr().out.splitlines()[1]
        assert main(["tokens", "remove", "walt", "--file", str(tokens)]) == 0
        assert _ask(server.target, nina) == "UnauthenticatedError"  # not reloaded yet
        server.process.send_signal(signal.SIGHUP)
        _wait_for(lambda: "tokens reloaded" in server.log_text(), "the reload")
        assert _ask(server.target, nina) == "OK"
        assert _ask(server.target, "walt-token") == "UnauthenticatedError"
        # A malformed file is refused and the tokens in force stay.
        good = tokens.read_text()
        tokens.write_text("nina superuser sha256:xyz\n")
        server.process.send_signal(signal.SIGHUP)
        _wait_for(lambda: "tokens not reloaded" in server.log_text(), "the refusal")
        assert _ask(server.target, nina) == "OK"
        # Removing the last principal revokes it: the server then admits no one.
        tokens.write_text(good)
        assert main(["tokens", "remove", "nina", "--file", str(tokens)]) == 0
        assert "names no one" in capsys.readouterr().err
        server.process.send_signal(signal.SIGHUP)
        _wait_for(lambda: "0 principals" in server.log_text(), "the empty reload")
        assert _ask(server.target, nina) == "UnauthenticatedError"
    finally:
        assert server.stop() == 0
    assert "tokens reloaded from" in server.log_text()
    assert "1 principals" in server.log_text()
    assert nina not in server.log_text()


def test_credentials_from_the_environment_cannot_be_reloaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_TOKENS, f"ada admin {token_hash('t')}")
    credentials = Credentials.load(None)
    assert credentials is not None
    with pytest.raises(mdstore_client.InvalidArgumentError, match="cannot be reloaded"):
        credentials.reload()
    assert [p.name for p in credentials.principals()] == ["ada"]


def test_a_bad_expiry_names_its_line() -> None:
    text = f"ada admin {token_hash('t')}\nbob reader {token_hash('u')} expires=someday\n"
    with pytest.raises(mdstore_client.InvalidArgumentError, match="tokens line 2: 'someday'"):
        Credentials(text, "tokens")


def test_expiry_times_round_trip() -> None:
    assert to_iso(parse_expiry("2027-03-01")) == "2027-03-01T00:00:00Z"
    assert parse_expiry("2027-03-01T02:00:00+02:00") == parse_expiry("2027-03-01T00:00:00Z")


def test_cli_tokens_add_expires_remove_and_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "tokens"
    file.write_text("# team tokens\n")
    args = ["--file", str(file)]
    assert main(["tokens", "add", "ci", "--role", "writer", "--expires", "2999-01-01", *args]) == 0
    out = capsys.readouterr()
    token = out.out.splitlines()[1]
    assert "until 2999-01-01T00:00:00Z" in out.out
    assert "SIGHUP" in out.err
    assert f"ci writer {token_hash(token)} expires=2999-01-01T00:00:00Z\n" in file.read_text()
    assert main(["tokens", "add", "ada", "--role", "admin", *args]) == 0
    capsys.readouterr()
    with file.open("a") as out:  # an expired line, as the CLI would refuse to write
        out.write(f"bob reader {token_hash('b')} expires=2001-01-01T00:00:00Z\n")

    assert main(["tokens", "list", *args]) == 0
    listed = capsys.readouterr().out
    assert listed.splitlines()[0].split() == [
        "ci",
        "writer",
        "token",
        "expires",
        "2999-01-01T00:00:00Z",
    ]
    assert listed.splitlines()[1].split() == ["ada", "admin", "token"]
    assert listed.splitlines()[2].split() == [
        "bob",
        "reader",
        "token",
        "EXPIRED",
        "2001-01-01T00:00:00Z",
    ]
    assert "sha256" not in listed

    assert main(["tokens", "remove", "ci", *args]) == 0
    assert file.read_text().startswith("# team tokens\nada admin sha256:")
    assert "ci writer" not in file.read_text()
    assert oct(file.stat().st_mode)[-3:] == "600"
    assert main(["tokens", "remove", "ci", *args]) == 1
    assert "names no ci" in capsys.readouterr().err
    assert main(["tokens", "add", "old", "--role", "reader", "--expires", "2001-01-01", *args]) == 1
    assert "already past" in capsys.readouterr().err
