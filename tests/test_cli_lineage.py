"""``mdstore lineage trace|impact|path|diff``, ``mdstore delete`` and ``mdstore gc``:
the CLI contract (flags, JSON fields, exit codes), embedded (--db) and against a
server (--server), plus one run of the real entry point in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mdstore.cli import main
from mdstore.cli.lineage import parse_time
from mdstore.embedded.store import MetadataStore
from mdstore.wire import mlmd
from tests.helpers.cli import WAYS, reaching, run

NODE_FIELDS = {"id", "type", "name", "state", "properties", "custom_properties"}


class Pipeline:
    """source -> ingest -> data -> train -> model, twice (lr 0.1, then 0.3)."""

    def __init__(self, url: str) -> None:
        store = MetadataStore(url)
        data = store.put_artifact_type(mlmd.ArtifactType(name="Data"))
        model = store.put_artifact_type(mlmd.ArtifactType(name="Model"))
        step = store.put_execution_type(mlmd.ExecutionType(name="Step"))
        source = mlmd.Artifact(type_id=data, uri="s3://raw/v1", name="raw")
        source.custom_properties["sha256"].string_value = "ab" * 32
        [self.source] = store.put_artifacts([source])
        self.models = []
        for number, lr in enumerate(("0.1", "0.3")):
            [raw] = store.get_artifacts_by_id([self.source])
            made = self._step(store, step, raw, mlmd.Artifact(type_id=data, uri=f"s3://d{number}"))
            trainer = mlmd.Execution(type_id=step, name=f"train-{number}")
            trainer.custom_properties["lr"].string_value = lr
            trainer.custom_properties["git_commit"].string_value = "0123abc"
            output = mlmd.Artifact(type_id=model, uri=f"s3://m{number}", name=f"model-{number}")
            pairs = [(made, mlmd.Event(type=3)), (output, mlmd.Event(type=4))]
            self.models.append(list(store.put_execution(trainer, pairs, [])[1])[1])
        store.close()

    @staticmethod
    def _step(store: MetadataStore, step: int, read: Any, output: Any) -> Any:
        pairs = [(read, mlmd.Event(type=3)), (output, mlmd.Event(type=4))]
        _, ids, _ = store.put_execution(mlmd.Execution(type_id=step), pairs, [])
        [output] = store.get_artifacts_by_id([list(ids)[1]])
        return output


@pytest.fixture
def pipeline(tmp_path: Path) -> tuple[str, Pipeline]:
    url = f"sqlite:///{tmp_path}/cli.db"
    return url, Pipeline(url)


@pytest.fixture(params=WAYS)
def where(request: pytest.FixtureRequest, pipeline: tuple[str, Pipeline]) -> Iterator[list[str]]:
    """``--db URL`` or ``--server HOST:PORT`` (an in-process server on the same file)."""
    with reaching(pipeline[0], request.param) as args:
        yield args


def test_trace_json_holds_the_whole_answer(
    capsys: pytest.CaptureFixture[str], pipeline: tuple[str, Pipeline], where: list[str]
) -> None:
    _, built = pipeline
    code, out, _ = run(capsys, "lineage", "trace", str(built.models[1]), *where, "--format", "json")
    assert code == 0
    answer = json.loads(out)
    assert {a["id"] for a in answer["artifacts"]} >= {built.source, built.models[1]}
    assert len(answer["artifacts"]) == 3
    assert len(answer["executions"]) == 2
    for node in answer["artifacts"] + answer["executions"] + answer["contexts"]:
        assert node.keys() >= NODE_FIELDS
    assert all(e.keys() >= {"artifact_id", "execution_id", "type"} for e in answer["events"])
    assert len(answer["events"]) == 4
    [source] = answer["summary"]["sources"]
    assert (source["artifact_id"], source["digest"]) == (built.source, "ab" * 32)
    assert answer["summary"]["code"][0]["property"] == "git_commit"
    assert answer["summary"]["steps"][0]["parameters"]["lr"] == "0.3"


def test_trace_tree_reads_as_a_tree(
    capsys: pytest.CaptureFixture[str], pipeline: tuple[str, Pipeline], where: list[str]
) -> None:
    _, built = pipeline
    code, out, _ = run(capsys, "lineage", "trace", str(built.models[0]), *where)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith(f"Model #{built.models[0]}")
    assert "└── Step (execution" in lines[1]
    assert "[source]" in out
    assert f"  s3://raw/v1  {'ab' * 32}" in out  # the sources section: the digest in full
    assert "git_commit = 0123abc" in out


def test_max_hops_and_as_of(
    capsys: pytest.CaptureFixture[str], pipeline: tuple[str, Pipeline]
) -> None:
    url, built = pipeline
    code, out, _ = run(
        capsys, "lineage", "trace", str(built.models[0]), "--db", url,
        "--max-hops", "2", "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert len(json.loads(out)["artifacts"]) == 2
    code, _, err = run(
        capsys, "lineage", "trace", str(built.models[0]), "--db", url, "--as-of", "2001-01-01"
    )
    assert code == 1
    assert err.startswith("mdstore: error: no artifact with id")


def test_impact_path_and_diff(
    capsys: pytest.CaptureFixture[str], pipeline: tuple[str, Pipeline], where: list[str]
) -> None:
    _, built = pipeline
    code, out, _ = run(capsys, "lineage", "impact", str(built.source), *where, "--format", "json")
    assert code == 0
    products = json.loads(out)["end_products"]
    assert {p["artifact_id"] for p in products} == set(built.models)
    code, out, _ = run(
        capsys, "lineage", "path", str(built.source), str(built.models[0]), *where,
        "--format", "json",
    )  # fmt: skip
    chains = json.loads(out)["chains"]
    assert len(chains[0]) == 5
    assert chains[0][0] == {"kind": "artifact", "id": built.source}
    code, out, _ = run(
        capsys, "lineage", "diff", str(built.models[0]), str(built.models[0]), *where
    )
    assert out.strip() == "no differences"
    code, out, _ = run(
        capsys, "lineage", "diff", str(built.models[0]), str(built.models[1]), *where,
        "--format", "json",
    )  # fmt: skip
    diff = json.loads(out)
    assert [(p["name"], p["old"], p["new"]) for p in diff["parameters"]] == [("lr", "0.1", "0.3")]
    assert diff["sources"] == diff["steps"] == diff["properties"] == []


def test_delete_then_gc(
    capsys: pytest.CaptureFixture[str], pipeline: tuple[str, Pipeline], where: list[str]
) -> None:
    _, built = pipeline
    source = str(built.source)
    code, out, _ = run(capsys, "delete", "artifact", source, "--reason", "bad labels", *where)
    assert code == 0
    assert out.startswith(f"artifact #{source} deleted ")
    assert "(bad labels)" in out
    code, out, _ = run(capsys, "lineage", "trace", str(built.models[0]), *where, "--format", "json")
    answer = json.loads(out)
    assert [t["id"] for t in answer["tombstones"]] == [built.source]
    assert answer["summary"]["sources"][0]["deleted"] is True
    code, out, _ = run(capsys, "lineage", "trace", str(built.models[0]), *where)
    assert "[deleted]" in out
    code, _, err = run(capsys, "gc", "--deleted-before", "4102444800000", *where)
    assert code == 1
    assert "--purge" in err
    code, out, _ = run(capsys, "gc", "--deleted-before", "2100-01-01T00:00:00Z", "--purge", *where)
    assert code == 0
    assert out.splitlines() == [f"purged artifact #{source}", "1 node(s) purged"]


def test_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], pipeline: tuple[str, Pipeline]
) -> None:
    url, built = pipeline
    code, _, err = run(capsys, "lineage", "impact", "999999", "--db", url)
    assert (code, err.count("\n")) == (1, 1)
    assert "not found" in err.lower() or "no artifact" in err
    code, _, err = run(capsys, "delete", "context", "999999", "--reason", "x", "--db", url)
    assert code == 1
    with pytest.raises(SystemExit) as usage:
        main(["lineage", "trace", "1", "--max-hops", "-1", "--db", url])
    assert usage.value.code == 2
    with pytest.raises(SystemExit):
        main(["delete", "artifact", "1", "--db", url])  # --reason is required
    capsys.readouterr()
    code, _, err = run(capsys, "lineage", "trace", "1", "--server", "127.0.0.1:1")
    assert code == 1
    assert err.startswith("mdstore: error:")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("1700000000000", 1_700_000_000_000),
        ("2023-11-14T22:13:20Z", 1_700_000_000_000),
        ("2023-11-14T22:13:20", 1_700_000_000_000),  # no zone: UTC
        ("2023-11-14T23:13:20+01:00", 1_700_000_000_000),
    ],
)
def test_time_is_iso_8601_or_milliseconds(text: str, millis: int) -> None:
    assert parse_time(text) == millis


def test_the_installed_command_traces(pipeline: tuple[str, Pipeline]) -> None:
    url, built = pipeline
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mdstore.cli",
            "lineage",
            "trace",
            str(built.models[1]),
            "--db",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Model #{built.models[1]}")
