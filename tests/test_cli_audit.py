"""``mdstore audit verify | log``, ``keys generate``, ``export --format bundle`` and
``verify-bundle``: through --db and --server; bundles checked offline, and every
kind of tampering named."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mdstore.embedded.store import MetadataStore
from mdstore.wire import v1
from tests.helpers.cli import WAYS, reaching, run
from tests.helpers.training import train


@pytest.fixture
def store_url(tmp_path: Path) -> tuple[str, list[int]]:
    """Two registered versions of ``churn``, ``production`` on the second."""
    url = f"sqlite:///{tmp_path}/audit.db"
    with MetadataStore(url) as store:
        models = [train(store), train(store, accuracy=0.95)]
        store.create_registered_model("churn", v1.ModelPolicy(metric="accuracy"))
        for model in models:
            store.register_model_version("churn", model)
        store.set_alias("churn", "production", "1.1.0", reason="better")
    return url, models


@pytest.fixture(params=WAYS)
def where(request: pytest.FixtureRequest, store_url: tuple[str, list[int]]) -> Iterator[list[str]]:
    with reaching(store_url[0], request.param) as args:
        yield args


@pytest.fixture
def keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, printed, _ = run(capsys, "keys", "generate", "--out", str(tmp_path / "keys"))
    assert code == 0
    assert "key id" in printed
    return tmp_path / "keys"


def test_verify_passes_then_names_a_changed_row(
    capsys: pytest.CaptureFixture[str], store_url: tuple[str, list[int]], where: list[str]
) -> None:
    url, models = store_url
    code, printed, _ = run(capsys, "audit", "verify", *where)
    assert code == 0
    assert printed.startswith("audit log verifies: ")
    entries = int(printed.split(": ")[1].split(" entries")[0])
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE artifact SET uri = 's3://elsewhere' WHERE id = ?", (models[0],))
    code, printed, _ = run(capsys, "audit", "verify", *where)
    assert code == 1
    [first, *_] = printed.splitlines()
    assert first.startswith("audit log does NOT verify; first failure at entry ")
    assert f"artifact {models[0]}: column uri differs from its stored message" in first
    assert 0 < int(first.split("entry ")[1].split(":")[0]) <= entries


def test_log_lists_the_entries_that_touched_a_node(
    capsys: pytest.CaptureFixture[str], store_url: tuple[str, list[int]], where: list[str]
) -> None:
    _, models = store_url
    code, printed, _ = run(
        capsys, "audit", "log", "--artifact", str(models[1]), "--format", "json", *where
    )
    assert code == 0
    entries = json.loads(printed)["entries"]
    methods = [e["method"].rsplit("/", 1)[1] for e in entries]
    # Created as train's output, then given its version by the registration.
    assert methods == ["PutExecution", "RegisterModelVersion"]
    assert all(f"artifact:{models[1]}" in e["nodes"] for e in entries)
    assert (
        entries[1]["prev_hash"] != entries[0]["hash"] or entries[1]["seq"] == entries[0]["seq"] + 1
    )
    code, text, _ = run(capsys, "audit", "log", "--artifact", str(models[1]), *where)
    assert [line.split()[3] for line in text.splitlines()] == methods
    code, everything, _ = run(capsys, "audit", "log", *where)
    assert len(everything.splitlines()) > len(entries)


def _export_bundle(
    capsys: pytest.CaptureFixture[str], out: Path, key: Path, where: list[str]
) -> str:
    args = ["export", "models:/churn@production", "--format", "bundle", "--sign-key", str(key)]
    code, printed, err = run(capsys, *args, "-o", str(out), *where)
    assert (code, err) == (0, ""), err
    return printed


def test_a_signed_bundle_verifies_offline(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, keys: Path, where: list[str],
    store_url: tuple[str, list[int]],
) -> None:  # fmt: skip
    out = tmp_path / "prod.zip"
    printed = _export_bundle(capsys, out, keys / "mdstore-signing.key", where)
    assert printed.startswith(f"wrote {out} (bundle signed, ")
    names = set(zipfile.ZipFile(out).namelist())
    assert names == {
        "statement.dsse.json", "lineage.prov.json", "lineage.openlineage.jsonl", "lineage.svg",
        "nodes.json", "audit.json", "history.json",
    }  # fmt: skip
    history = json.loads(zipfile.ZipFile(out).read("history.json"))
    assert [v["version"] for v in history["versions"]] == ["1.0.0", "1.1.0"]
    assert history["alias_changes"][0]["alias"] == "production"
    Path(store_url[0].removeprefix("sqlite:///")).unlink()  # offline: no database at all
    code, printed, _ = run(
        capsys, "verify-bundle", str(out), "--public-key", str(keys / "mdstore-signing.pub")
    )
    assert (code, printed.splitlines()[-1]) == (
        0,
        f"{out}: verifies (signature, every file, every node, the audit entries)",
    )


def _rewrite(bundle: Path, out: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(bundle) as src:
        files = {name: src.read(name) for name in src.namelist()}
    for name, data in change.items():
        if data is None:
            del files[name]
        else:
            files[name] = data
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in files.items():
            dst.writestr(name, data)
    return out


def test_tampered_bundles_fail_naming_what(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, keys: Path, store_url: tuple[str, list[int]]
) -> None:
    url, models = store_url
    bundle = tmp_path / "prod.zip"
    _export_bundle(capsys, bundle, keys / "mdstore-signing.key", ["--db", url])
    files = {n: zipfile.ZipFile(bundle).read(n) for n in zipfile.ZipFile(bundle).namelist()}
    public = str(keys / "mdstore-signing.pub")

    def fails(path: Path) -> list[str]:
        code, printed, _ = run(capsys, "verify-bundle", str(path), "--public-key", public)
        assert code == 1
        return [line.removeprefix("FAIL ") for line in printed.splitlines()[:-1]]

    for name in sorted(n for n in files if n != "statement.dsse.json"):
        flipped = bytearray(files[name])
        flipped[len(flipped) // 2] ^= 0x01
        changed = _rewrite(bundle, tmp_path / "byte.zip", {name: bytes(flipped)})
        assert f"changed file {name}: its SHA-256 is not the one the statement signs" in fails(
            changed
        )

    prov = json.loads(files["lineage.prov.json"])
    del prov["entity"][f"mdstore:artifact/{models[1]}"]
    nodes = [n for n in json.loads(files["nodes.json"]) if n["key"] != f"artifact:{models[1]}"]
    removed = _rewrite(bundle, tmp_path / "node.zip", {
        "lineage.prov.json": json.dumps(prov).encode(), "nodes.json": json.dumps(nodes).encode(),
    })  # fmt: skip
    assert f"missing node artifact {models[1]}: not in nodes.json" in fails(removed)

    audit = json.loads(files["audit.json"])
    audit["entries"][0]["principal"] = "mallory"
    broken = _rewrite(bundle, tmp_path / "chain.zip", {"audit.json": json.dumps(audit).encode()})
    seq = audit["entries"][0]["seq"]
    assert f"broken chain: entry {seq}'s hash does not match its contents" in fails(broken)

    assert "missing file lineage.svg" in fails(
        _rewrite(bundle, tmp_path / "gone.zip", {"lineage.svg": None})
    )

    other = tmp_path / "other"
    run(capsys, "keys", "generate", "--out", str(other))
    resigned = tmp_path / "other.zip"
    _export_bundle(capsys, resigned, other / "mdstore-signing.key", ["--db", url])
    [problem] = fails(resigned)
    assert problem.startswith("bad signature: not signed by this public key")


def test_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, keys: Path, store_url: tuple[str, list[int]]
) -> None:
    url, _ = store_url
    code, _, err = run(capsys, "keys", "generate", "--out", str(keys))
    assert (code, err) == (
        1,
        f"mdstore: error: {keys / 'mdstore-signing.key'} exists; keys are never overwritten\n",
    )
    code, _, err = run(
        capsys,
        "export",
        "--artifact",
        "1",
        "--format",
        "svg",
        "--sign-key",
        str(keys / "mdstore-signing.key"),
        "-o",
        str(tmp_path / "x"),
        "--db",
        url,
    )
    assert (code, err) == (
        1,
        "mdstore: error: --sign-key signs bundles only: add --format bundle\n",
    )
    code, _, err = run(
        capsys,
        "verify-bundle",
        str(tmp_path / "none.zip"),
        "--public-key",
        str(keys / "mdstore-signing.pub"),
    )
    assert code == 1
    assert err.startswith("mdstore: error: cannot read ")
    code, _, err = run(
        capsys,
        "verify-bundle",
        str(tmp_path / "none.zip"),
        "--public-key",
        str(keys / "mdstore-signing.key"),
    )
    assert code == 1
    assert err.strip().endswith("holds no PEM public key")
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    code, printed, _ = run(
        capsys,
        "verify-bundle",
        str(tmp_path / "junk.zip"),
        "--public-key",
        str(keys / "mdstore-signing.pub"),
    )
    assert code == 1
    assert printed.startswith("FAIL not a bundle: ")
