"""Aliases with their history, model URIs now and as of a time, deployments and
annotations (through both access paths, on every backend; the server's clock is
patched, so times are exact)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mdstore.embedded.store import MetadataStore
from mdstore.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from mdstore.store.db import clock
from mdstore.wire import v1
from tests.helpers.training import train

MODEL = "churn"
T0 = 1_800_000_000_000
PATTERN = {value.name: value.number for value in v1.DeploymentPattern.values}


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def at(self, second: int) -> int:
        self.now = T0 + 1000 * second
        return self.now


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock()
    monkeypatch.setattr(clock, "now_ms", lambda: moved.now)
    return moved


@pytest.fixture
def three(store: MetadataStore, frozen: Clock) -> MetadataStore:
    """Versions 1.0.0 (t=1), 1.1.0 (t=2), 2.0.0 (t=3)."""
    frozen.at(0)
    store.create_registered_model(MODEL, v1.ModelPolicy(metric="accuracy"))
    for second, run in enumerate(({}, {"accuracy": 0.95}, {"schema": "s2"}), start=1):
        frozen.at(second)
        store.register_model_version(MODEL, train(store, **run))
    return store


def test_set_move_remove_and_the_history_keeps_every_change(
    three: MetadataStore, frozen: Clock
) -> None:
    frozen.at(10)
    three.set_alias(MODEL, "production", "1.0.0", reason="first release")
    frozen.at(20)
    three.set_alias(MODEL, "production", "1.1.0", reason="better")
    frozen.at(30)
    three.set_alias(MODEL, "production", "1.0.0", reason="rollback: latency")
    frozen.at(40)
    three.set_alias(MODEL, "staging", "2.0.0")
    frozen.at(50)
    three.set_alias(MODEL, "staging", "")
    history = three.get_alias_history(MODEL, "production")
    assert [(c.from_version, c.to_version, c.reason) for c in history] == [
        ("", "1.0.0", "first release"),
        ("1.0.0", "1.1.0", "better"),
        ("1.1.0", "1.0.0", "rollback: latency"),
    ]
    assert [c.changed_at_millis for c in history] == [T0 + 10_000, T0 + 20_000, T0 + 30_000]
    every = three.get_alias_history(MODEL)
    assert [(c.alias, c.sequence) for c in every][-2:] == [("staging", 4), ("staging", 5)]
    assert every[-1].to_version == ""


def test_resolve_now_and_as_of(three: MetadataStore, frozen: Clock) -> None:
    frozen.at(10)
    three.set_alias(MODEL, "production", "1.0.0")
    frozen.at(20)
    three.set_alias(MODEL, "production", "1.1.0")
    now = three.resolve_model(f"models:/{MODEL}@production")
    assert (now.version, now.name) == ("1.1.0", MODEL)
    assert now.uri.startswith("s3://models/")
    assert three.resolve_model(f"models:/{MODEL}@production", T0 + 15_000).version == "1.0.0"
    assert three.resolve_model(f"models:/{MODEL}@production", T0 + 20_000).version == "1.1.0"
    with pytest.raises(NotFoundError, match="was not set"):
        three.resolve_model(f"models:/{MODEL}@production", T0 + 9_999)
    assert three.resolve_model(f"models:/{MODEL}/latest").version == "2.0.0"
    assert three.resolve_model(f"models:/{MODEL}/latest", T0 + 2_500).version == "1.1.0"
    exact = three.resolve_model(f"models:/{MODEL}/1.1.0")
    assert exact.artifact_id == three.get_model_versions(MODEL)[1].artifact_id
    with pytest.raises(NotFoundError, match="registered after"):
        three.resolve_model(f"models:/{MODEL}/2.0.0", T0 + 2_500)


def test_pointing_an_alias_where_it_points_records_nothing(three: MetadataStore) -> None:
    first = three.set_alias(MODEL, "production", "1.0.0")
    again = three.set_alias(MODEL, "production", "1.0.0", reason="again")
    assert again == first
    assert len(three.get_alias_history(MODEL)) == 1


@pytest.mark.parametrize(
    "uri",
    ["churn", "models:/churn", "models:/churn/1.0", "models:/churn/01.0.0", "models:/churn@",
     "models:/churn@latest", "models:/churn@1x", "models:/@prod", "s3://churn/1.0.0",
     "models:/churn/1.0.0/x"],
)  # fmt: skip
def test_malformed_uris(three: MetadataStore, uri: str) -> None:
    with pytest.raises(InvalidArgumentError, match="model URI"):
        three.resolve_model(uri)


def test_unknown_names(three: MetadataStore) -> None:
    with pytest.raises(NotFoundError, match="no registered model named 'nope'"):
        three.resolve_model("models:/nope/latest")
    with pytest.raises(NotFoundError, match="has no version 9.9.9"):
        three.resolve_model(f"models:/{MODEL}/9.9.9")
    with pytest.raises(NotFoundError, match="has no version 9.9.9"):
        three.set_alias(MODEL, "production", "9.9.9")
    with pytest.raises(NotFoundError, match="is not set"):
        three.set_alias(MODEL, "production", "")
    with pytest.raises(InvalidArgumentError, match="invalid alias"):
        three.set_alias(MODEL, "latest", "1.0.0")
    with pytest.raises(InvalidArgumentError, match="malformed version"):
        three.set_alias(MODEL, "production", "v1")


def test_deployments_and_what_served_at_a_time(three: MetadataStore, frozen: Clock) -> None:
    frozen.at(10)
    blue = three.deploy(MODEL, "1.0.0", "production", PATTERN["BLUE_GREEN"]).deployment
    frozen.at(20)
    canary = three.deploy(MODEL, "1.1.0", "production", PATTERN["CANARY"], 10.0).deployment
    frozen.at(25)
    three.deploy(MODEL, "2.0.0", "production", PATTERN["SHADOW"])
    frozen.at(30)
    cut = three.deploy(MODEL, "1.1.0", "production", PATTERN["BLUE_GREEN"])
    assert sorted(d.version for d in cut.stopped) == ["1.0.0", "1.1.0", "2.0.0"]
    assert canary.traffic_percent == 10.0

    def serving(second: int) -> list[tuple[str, str]]:
        at = three.get_deployments(MODEL, "production", T0 + 1000 * second)
        return [(d.version, v1.DeploymentPattern.values_by_number[d.pattern].name) for d in at]

    assert serving(5) == []
    assert serving(15) == [("1.0.0", "BLUE_GREEN")]
    assert serving(26) == [("1.0.0", "BLUE_GREEN"), ("1.1.0", "CANARY"), ("2.0.0", "SHADOW")]
    assert serving(31) == [("1.1.0", "BLUE_GREEN")]
    frozen.at(40)
    stopped = three.stop_deployment(cut.deployment.id, reason="incident")
    assert stopped.stopped_at_millis == T0 + 40_000
    assert serving(41) == []
    assert len(three.get_deployments(MODEL)) == 4
    assert three.get_deployments(MODEL)[0].id == blue.id
    with pytest.raises(FailedPreconditionError, match="already stopped"):
        three.stop_deployment(cut.deployment.id)


def test_bad_deployments(three: MetadataStore) -> None:
    with pytest.raises(InvalidArgumentError, match="canary needs a traffic share"):
        three.deploy(MODEL, "1.0.0", "production", PATTERN["CANARY"])
    with pytest.raises(InvalidArgumentError, match="takes no traffic share"):
        three.deploy(MODEL, "1.0.0", "production", PATTERN["SHADOW"], 5.0)
    with pytest.raises(InvalidArgumentError, match="pattern must be"):
        three.deploy(MODEL, "1.0.0", "production", 0)
    with pytest.raises(InvalidArgumentError, match="invalid environment"):
        three.deploy(MODEL, "1.0.0", "prod env", PATTERN["SHADOW"])
    with pytest.raises(NotFoundError, match="has no version"):
        three.deploy(MODEL, "3.0.0", "production", PATTERN["SHADOW"])
    with pytest.raises(NotFoundError, match="no deployment with id 777"):
        three.stop_deployment(777)


def test_annotations_append(three: MetadataStore) -> None:
    three.annotate(MODEL, "1.0.0", "signed off by risk", "https://tickets/42")
    three.annotate(MODEL, "1.1.0", "canary looked fine")
    three.annotate(MODEL, "1.0.0", "retired")
    assert [a.text for a in three.get_annotations(MODEL, "1.0.0")] == [
        "signed off by risk",
        "retired",
    ]
    assert [a.version for a in three.get_annotations(MODEL)] == ["1.0.0", "1.1.0", "1.0.0"]
    with pytest.raises(InvalidArgumentError, match="needs a text or a url"):
        three.annotate(MODEL, "1.0.0", " ")


def test_models_are_listed_with_their_latest_version(three: MetadataStore) -> None:
    three.create_registered_model("aaa", v1.ModelPolicy(metric="auc"))
    listed = three._call("ListRegisteredModels", v1.ListRegisteredModelsRequest()).models
    assert [(m.name, m.latest_version) for m in listed] == [("aaa", ""), (MODEL, "2.0.0")]


APPEND_ONLY = ("model_version", "model_policy", "alias_change", "annotation", "registered_model")


@pytest.mark.embedded_only("reads the source tree")
def test_no_code_path_updates_or_deletes_history(access: str) -> None:
    """History rows are only inserted: no statement in mdstore/ updates or deletes them."""
    source = Path(__file__).resolve().parents[2] / "mdstore"
    tables = "|".join(APPEND_ONLY)
    raw = re.compile(rf"(UPDATE|DELETE\s+FROM)\s+({tables})\b", re.IGNORECASE)
    core = re.compile(
        r"(update|delete)\((MODEL|VERSION|POLICY|CHANGE|ANNOTATION|schema\.("
        + tables.replace("|", "_table|")
        + r"_table))\b"
    )
    offenders = [
        f"{path.relative_to(source)}:{number}"
        for path in source.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if raw.search(line) or core.search(line)
    ]
    assert offenders == []
    # The scan finds what it looks for: the deployments' one update is seen.
    deployments = (source / "store/registry/deployments.py").read_text()
    assert re.search(r"update\(DEPLOYMENT\)", deployments)
