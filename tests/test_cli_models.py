"""``mdstore models ...``: the CLI contract (commands, flags, JSON fields, exit codes),
embedded (--db) and against a server (--server), plus the installed entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mdstore.cli import main
from mdstore.embedded.store import MetadataStore
from tests.helpers.cli import WAYS, reaching, run
from tests.helpers.training import train


class Runs:
    """Four model artifacts: a baseline, a better metric, a new parameter, a new schema."""

    def __init__(self, url: str) -> None:
        with MetadataStore(url) as store:
            self.models = [
                train(store),
                train(store, accuracy=0.95),
                train(store, accuracy=0.95, lr="0.3"),
                train(store, accuracy=0.95, lr="0.3", schema="s2"),
            ]


@pytest.fixture
def runs(tmp_path: Path) -> tuple[str, Runs]:
    url = f"sqlite:///{tmp_path}/models.db"
    return url, Runs(url)


@pytest.fixture(params=WAYS)
def where(request: pytest.FixtureRequest, runs: tuple[str, Runs]) -> Iterator[list[str]]:
    """``--db URL`` or ``--server HOST:PORT`` (an in-process server on the same file)."""
    with reaching(runs[0], request.param) as args:
        yield args


def as_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = run(capsys, *args, "--format", "json")
    assert (code, err) == (0, "")
    return json.loads(out)


def registered(capsys: pytest.CaptureFixture[str], where: list[str], built: Runs) -> list[Any]:
    as_json(capsys, "models", "create", "churn", "--metric", "accuracy", *where)
    return [
        as_json(capsys, "models", "register", "churn", "--artifact", str(model), *where)
        for model in built.models
    ]


def test_register_prints_the_contract(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs], where: list[str]
) -> None:
    _, built = runs
    versions = registered(capsys, where, built)
    assert [(v["version"], v["bump"]) for v in versions] == [
        ("1.0.0", "initial"), ("1.1.0", "minor"), ("1.1.1", "pipeline"), ("2.0.0", "major"),
    ]  # fmt: skip
    for version, model in zip(versions, built.models, strict=True):
        assert version.keys() >= {"name", "version", "bump", "reasons", "artifact_id"}
        assert (version["name"], version["artifact_id"]) == ("churn", model)
        assert all(isinstance(reason, str) for reason in version["reasons"])
        assert len(version["reason_rules"]) == len(version["reasons"])
    assert "accuracy 0.9 -> 0.95" in versions[1]["reasons"][0]
    assert "parameter lr" in versions[2]["reasons"][0]
    assert "schema" in versions[3]["reasons"][0]


def test_register_text_reads_well(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs]
) -> None:
    url, built = runs
    run(capsys, "models", "create", "churn", "--metric", "accuracy", "--db", url)
    run(capsys, "models", "register", "churn", "--artifact", str(built.models[0]), "--db", url)
    code, out, _ = run(
        capsys, "models", "register", "churn", "--artifact", str(built.models[1]), "--db", url
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == f"churn 1.1.0 (minor) from artifact {built.models[1]}, after 1.0.0"
    assert lines[1].split()[0] == "minor"


def test_aliases_history_and_resolve(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs], where: list[str]
) -> None:
    _, built = runs
    registered(capsys, where, built)
    for version, reason in (("1.0.0", "first"), ("1.1.0", "better"), ("1.0.0", "rollback")):
        change = as_json(
            capsys, "models", "alias", "churn", "production", version, "--reason", reason, *where
        )
        assert change["to"] == version
    history = as_json(capsys, "models", "history", "churn", "--alias", "production", *where)
    assert [(c["from"], c["to"], c["reason"]) for c in history["changes"]] == [
        ("", "1.0.0", "first"), ("1.0.0", "1.1.0", "better"), ("1.1.0", "1.0.0", "rollback"),
    ]  # fmt: skip
    assert all(c.keys() >= {"alias", "from", "to", "time", "reason"} for c in history["changes"])
    resolved = as_json(capsys, "models", "resolve", "models:/churn@production", *where)
    assert resolved.keys() >= {"name", "version", "artifact_id", "uri"}
    assert (resolved["version"], resolved["artifact_id"]) == ("1.0.0", built.models[0])
    second = history["changes"][1]["time"]
    past = as_json(
        capsys, "models", "resolve", "models:/churn@production", "--as-of", second, *where
    )
    assert past["version"] == "1.1.0"
    removed = as_json(capsys, "models", "alias", "churn", "production", "--remove", *where)
    assert (removed["from"], removed["to"]) == ("1.0.0", "")


def test_versions_deploy_notes_list_and_show(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs], where: list[str]
) -> None:
    _, built = runs
    registered(capsys, where, built)
    listed = as_json(capsys, "models", "versions", "churn", *where)
    assert [v["version"] for v in listed["versions"]] == ["1.0.0", "1.1.0", "1.1.1", "2.0.0"]
    blue = as_json(
        capsys, "models", "deploy", "churn", "1.1.0", "--env", "prod", "--pattern", "blue-green",
        *where,
    )  # fmt: skip
    canary = as_json(
        capsys, "models", "deploy", "churn", "2.0.0", "--env", "prod", "--pattern", "canary",
        "--traffic", "10", *where,
    )  # fmt: skip
    assert (canary["pattern"], canary["traffic_percent"]) == ("canary", 10.0)
    serving = as_json(capsys, "models", "deployments", "churn", "--env", "prod", *where)
    assert [d["version"] for d in serving["deployments"]] == ["1.1.0", "2.0.0"]
    stopped = as_json(capsys, "models", "undeploy", str(blue["id"]), *where)
    assert stopped["stopped_at"] is not None
    note = as_json(capsys, "models", "annotate", "churn", "1.1.0", "--text", "signed off", *where)
    assert note["text"] == "signed off"
    assert (
        as_json(capsys, "models", "notes", "churn", *where)["annotations"][0]["version"] == "1.1.0"
    )
    assert [m["name"] for m in as_json(capsys, "models", "list", *where)["models"]] == ["churn"]
    shown = as_json(capsys, "models", "show", "churn", *where)
    assert (shown["latest_version"], shown["policy"]["metric"]) == ("2.0.0", "accuracy")


def test_override_with_a_reason(capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs]) -> None:
    url, built = runs
    run(capsys, "models", "create", "churn", "--metric", "accuracy", "--db", url)
    run(capsys, "models", "register", "churn", "--artifact", str(built.models[0]), "--db", url)
    made = as_json(
        capsys, "models", "register", "churn", "--artifact", str(built.models[1]), "--db", url,
        "--bump", "major", "--reason", "new label definition",
    )  # fmt: skip
    assert (made["version"], made["bump"], made["computed_bump"]) == ("2.0.0", "major", "minor")
    assert made["override_reason"] == "new label definition"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("models", "versions", "nope"), "no registered model named 'nope'"),
        (("models", "resolve", "models:/churn/1.0"), "malformed model URI"),
        (("models", "resolve", "models:/churn/9.9.9"), "has no version 9.9.9"),
        (("models", "register", "churn", "--artifact", "1", "--bump", "minor"), "needs --reason"),
        (("models", "alias", "churn", "production"), "give a VERSION"),
        (("models", "deploy", "churn", "1.0.0", "--env", "p", "--pattern", "canary"), "traffic"),
    ],
)  # fmt: skip
def test_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs], args: tuple[str, ...], message: str
) -> None:
    url, built = runs
    run(capsys, "models", "create", "churn", "--metric", "accuracy", "--db", url)
    run(capsys, "models", "register", "churn", "--artifact", str(built.models[0]), "--db", url)
    code, out, err = run(capsys, *args, "--db", url)
    assert (code, out) == (1, "")
    assert err.startswith("mdstore: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_a_bad_bump_is_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs]
) -> None:
    url, _ = runs
    with pytest.raises(SystemExit) as exited:
        main(["models", "register", "churn", "--artifact", "1", "--bump", "huge", "--db", url])
    assert exited.value.code == 2
    assert "invalid choice: 'huge'" in capsys.readouterr().err


def test_the_installed_command_registers(runs: tuple[str, Runs]) -> None:
    url, built = runs

    def mdstore(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "mdstore.cli", "models", *args, "--db", url]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    assert mdstore("create", "churn", "--metric", "accuracy").returncode == 0
    done = mdstore("register", "churn", "--artifact", str(built.models[0]), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == "1.0.0"
    failed = mdstore("register", "churn", "--artifact", str(built.models[0]))
    assert failed.returncode == 1
    assert failed.stderr.strip() == (
        f"mdstore: error: artifact {built.models[0]} is already version 1.0.0 of 'churn'"
    )


def test_policy_changes_and_show(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs], where: list[str]
) -> None:
    as_json(capsys, "models", "create", "churn", "--metric", "accuracy", *where)
    changed = as_json(
        capsys, "models", "policy", "churn", "--metric", "auc", "--min-improvement", "0.01",
        "--reason", "auc is what we report", *where,
    )  # fmt: skip
    assert [p["metric"] for p in changed["policy_history"]] == ["accuracy", "auc"]
    assert changed["policy"]["min_improvement"] == 0.01
    assert changed["created_at"].endswith("Z")
    assert len(changed["created_at"]) == len("2026-12-04T00:30:00.000Z")
    code, out, _ = run(capsys, "models", "show", "churn", *where)
    assert code == 0
    assert out.splitlines()[1] == "policies:"
    assert out.splitlines()[2].endswith("accuracy (higher is better, min 0)  created")
    assert out.splitlines()[3].endswith("auc (higher is better, min 0.01)  auc is what we report")


def test_a_blue_green_deploy_names_what_it_stopped(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs], where: list[str]
) -> None:
    _, built = runs
    registered(capsys, where, built)
    deploy = ("models", "deploy", "churn")
    first = as_json(capsys, *deploy, "1.0.0", "--env", "prod", "--pattern", "blue-green", *where)
    assert first["replaced"] == []
    second = as_json(capsys, *deploy, "1.1.0", "--env", "prod", "--pattern", "blue-green", *where)
    assert second["replaced"] == [first["id"]]
    code, out, _ = run(capsys, *deploy, "2.0.0", "--env", "prod", "--pattern", "blue-green", *where)
    assert code == 0
    assert out.rstrip().endswith(f"(stopped #{second['id']})")


def test_an_overridden_version_says_so(
    capsys: pytest.CaptureFixture[str], runs: tuple[str, Runs]
) -> None:
    url, built = runs
    run(capsys, "models", "create", "churn", "--metric", "accuracy", "--db", url)
    run(capsys, "models", "register", "churn", "--artifact", str(built.models[0]), "--db", url)
    code, out, _ = run(
        capsys, "models", "register", "churn", "--artifact", str(built.models[1]), "--db", url,
        "--bump", "pipeline", "--reason", "same model, new build",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == (
        f"churn 1.0.1 (pipeline, overridden: the rules said minor) from artifact"
        f" {built.models[1]}, after 1.0.0"
    )
