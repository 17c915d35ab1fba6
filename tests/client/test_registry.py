"""mdstore_client's model registry calls: pydantic answers, datetimes, client-side
checks of bumps and patterns, and the server's errors as the client's classes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import mdstore_client
from mdstore.embedded.store import MetadataStore
from mdstore_client import (
    AliasChange,
    Deployment,
    ModelVersion,
    NotFoundError,
    RegisteredModel,
    ResolvedModel,
)
from mdstore_client.errors import FailedPreconditionError, InvalidArgumentError
from tests.helpers.training import train


@pytest.fixture
def client(tmp_path: Path) -> mdstore_client.Client:
    url = f"sqlite:///{tmp_path}/registry.db"
    with MetadataStore(url):
        pass
    return mdstore_client.connect(url)


@pytest.fixture
def models(client: mdstore_client.Client, tmp_path: Path) -> list[int]:
    with MetadataStore(f"sqlite:///{tmp_path}/registry.db") as store:
        return [train(store), train(store, accuracy=0.97), train(store, accuracy=0.97, sha="ff")]


def test_a_model_and_its_versions(client: mdstore_client.Client, models: list[int]) -> None:
    created = client.create_model("churn", "accuracy", min_improvement=0.01, description="d")
    assert isinstance(created, RegisteredModel)
    assert (created.policy.metric, created.policy.min_improvement) == ("accuracy", 0.01)
    assert created.policy.schema_properties == ["schema_fingerprint", "schema"]
    versions = [client.register_model("churn", model) for model in models]
    assert all(isinstance(v, ModelVersion) for v in versions)
    assert [(v.version, v.bump) for v in versions] == [
        ("1.0.0", "initial"), ("1.1.0", "minor"), ("1.1.1", "pipeline"),
    ]  # fmt: skip
    assert versions[1].metric == pytest.approx(0.97)
    assert versions[1].reasons[0].rule == "minor"
    assert versions[2].reasons[0].text.startswith("source digest changed: aa11 -> ff")
    assert isinstance(versions[0].registered_at, datetime)
    assert versions[0].registered_at.tzinfo is timezone.utc
    assert [v.version for v in client.model_versions("churn")] == ["1.0.0", "1.1.0", "1.1.1"]
    assert client.get_model("churn").latest_version == "1.1.1"
    assert [m.name for m in client.list_models()] == ["churn"]


def test_policy_changes_are_kept(client: mdstore_client.Client) -> None:
    client.create_model("churn", "accuracy")
    changed = client.set_model_policy("churn", "log_loss", lower_is_better=True, reason="loss")
    assert (changed.policy.metric, changed.policy.lower_is_better) == ("log_loss", True)
    assert [p.metric for p in changed.policy_history] == ["accuracy", "log_loss"]
    assert changed.policy_history[1].reason == "loss"


def test_aliases_resolve_and_deployments(client: mdstore_client.Client, models: list[int]) -> None:
    client.create_model("churn", "accuracy")
    for model in models[:2]:
        client.register_model("churn", model)
    moved = client.set_alias("churn", "production", "1.0.0", reason="first")
    assert isinstance(moved, AliasChange)
    assert (moved.from_, moved.to) == ("", "1.0.0")
    assert moved.to_json()["from"] == ""
    client.set_alias("churn", "production", "1.1.0")
    removed = client.remove_alias("churn", "production", reason="retired")
    assert (removed.from_, removed.to, removed.reason) == ("1.1.0", "", "retired")
    assert [c.to for c in client.alias_history("churn", "production")] == ["1.0.0", "1.1.0", ""]
    resolved = client.resolve_model("models:/churn/latest")
    assert isinstance(resolved, ResolvedModel)
    assert (resolved.version, resolved.artifact_id) == ("1.1.0", models[1])
    before = client.model_versions("churn")[0].registered_at
    assert before is not None
    assert client.resolve_model("models:/churn/latest", as_of=before).version == "1.0.0"
    deployed = client.deploy("churn", "1.1.0", "prod", "canary", traffic_percent=20)
    assert isinstance(deployed, Deployment)
    assert (deployed.pattern, deployed.traffic_percent, deployed.stopped_at) == ("canary", 20, None)
    assert deployed.started_at is not None
    later = deployed.started_at + timedelta(seconds=1)
    assert [d.id for d in client.deployments("churn", "prod", serving_at=later)] == [deployed.id]
    assert client.stop_deployment(deployed.id).stopped_at is not None
    note = client.annotate("churn", "1.1.0", "ok", url="https://x")
    assert [n.text for n in client.annotations("churn")] == [note.text]


def test_errors(client: mdstore_client.Client, models: list[int]) -> None:
    with pytest.raises(NotFoundError, match="no registered model named 'churn'"):
        client.register_model("churn", models[0])
    client.create_model("churn", "accuracy")
    with pytest.raises(InvalidArgumentError, match="unknown bump 'huge'"):
        client.register_model("churn", models[0], bump="huge", reason="x")
    with pytest.raises(InvalidArgumentError, match="unknown deployment pattern 'rolling'"):
        client.deploy("churn", "1.0.0", "prod", "rolling")
    client.register_model("churn", models[0])
    with pytest.raises(FailedPreconditionError, match="nothing differs"):
        client.register_model("churn", train_again(client))
    with pytest.raises(InvalidArgumentError, match="malformed model URI"):
        client.resolve_model("churn@production")


def train_again(client: mdstore_client.Client) -> int:
    """A rerun identical to the first model's run, written through the same database."""
    url = client.transport.target
    with MetadataStore(url) as store:
        return train(store)
