"""The versioning rules on plain facts: the decision table's order, the metric's
direction and threshold, what a reason says; versions, names and URIs; patterns."""

from __future__ import annotations

import pytest

from mdstore.errors import InvalidArgumentError
from mdstore.versioning.deployments import (
    BLUE_GREEN,
    CANARY,
    SHADOW,
    Running,
    check_traffic,
    ended_by,
)
from mdstore.versioning.names import check_alias, parse_uri
from mdstore.versioning.policy import Policy, policy_from_proto
from mdstore.versioning.rules import DataFact, Evidence, decide
from mdstore.versioning.semver import FIRST, Version, parse_version
from mdstore.wire import v1

POLICY = Policy("accuracy")
BASE = Evidence(
    schema=DataFact(("s1",), ("schema of Data #1",)), target=DataFact(("y",)), metric=0.9
)


def evidence(schema: str = "s1", target: str = "y", metric: float | None = 0.9) -> Evidence:
    return Evidence(
        DataFact((schema,), (f"schema of Data #{schema}",)), DataFact((target,)), metric
    )


@pytest.mark.parametrize(
    ("current", "changes", "bump"),
    [
        (evidence(schema="s2"), [], "major"),
        (evidence(target="z"), [], "major"),
        (evidence(schema="s2", metric=0.99), ["parameter lr changed"], "major"),
        (evidence(metric=0.95), [], "minor"),
        (evidence(metric=0.95), ["parameter lr changed"], "minor"),
        (evidence(metric=0.85), ["parameter lr changed"], "pipeline"),
        (evidence(), ["source digest changed"], "pipeline"),
        (evidence(metric=0.85), [], None),
        (evidence(), [], None),
    ],
)
def test_the_first_rule_that_holds_decides(
    current: Evidence, changes: list[str], bump: str | None
) -> None:
    decision = decide(POLICY, current, BASE, changes)
    assert decision.bump == bump
    if bump is not None:
        assert decision.reasons[0].rule == bump
    assert len([r for r in decision.reasons if r.rule == "pipeline"]) == len(changes)


def test_the_first_version() -> None:
    decision = decide(POLICY, BASE, None, ["ignored"])
    assert decision.bump == "initial"
    assert [r.rule for r in decision.reasons] == ["initial", "note", "note"]


def test_a_missing_schema_on_one_side_is_a_change() -> None:
    decision = decide(POLICY, Evidence(target=DataFact(("y",)), metric=0.9), BASE, [])
    assert decision.bump == "major"
    assert "no longer records a schema (was s1)" in decision.reasons[0].text


def test_threshold_and_direction() -> None:
    strict = Policy("loss", lower_is_better=True, min_improvement=0.05)
    before = Evidence(metric=0.50)
    assert decide(strict, Evidence(metric=0.40), before, []).bump == "minor"
    small = decide(strict, Evidence(metric=0.48), before, [])
    assert small.bump is None
    assert "better by 0.02: not more than 0.05" in small.reasons[0].text
    assert decide(strict, Evidence(metric=0.60), before, []).bump is None


def test_a_missing_previous_metric_does_not_decide() -> None:
    decision = decide(POLICY, evidence(metric=0.99), evidence(metric=None), [])
    assert decision.bump is None
    assert "the previous version has no accuracy" in decision.reasons[0].text


def test_versions() -> None:
    assert str(FIRST) == "1.0.0"
    assert [str(Version(1, 4, 2).bumped(b)) for b in ("major", "minor", "pipeline")] == [
        "2.0.0", "1.5.0", "1.4.3",
    ]  # fmt: skip
    assert parse_version("10.0.3") == Version(10, 0, 3)
    assert Version(1, 10, 0) > Version(1, 9, 9)
    for bad in ("1.0", "1.0.0.0", "01.0.0", "v1.0.0", "1.-1.0", ""):
        with pytest.raises(InvalidArgumentError, match="malformed version"):
            parse_version(bad)
    with pytest.raises(InvalidArgumentError, match="unknown bump"):
        FIRST.bumped("huge")


def test_uris_and_aliases() -> None:
    assert parse_uri("models:/churn/1.2.0").version == Version(1, 2, 0)
    assert parse_uri("models:/churn@production").alias == "production"
    assert parse_uri("models:/churn/latest").latest
    assert str(parse_uri("models:/a b/latest")) == "models:/a b/latest"
    assert check_alias("prod-eu_1.x") == "prod-eu_1.x"
    for bad in ("", "1prod", "latest", "a/b", "x" * 64):
        with pytest.raises(InvalidArgumentError, match="invalid alias"):
            check_alias(bad)


def test_policy_defaults_and_checks() -> None:
    policy = policy_from_proto(v1.ModelPolicy(metric=" auc "))
    assert (policy.metric, policy.schema_properties) == ("auc", ("schema_fingerprint", "schema"))
    assert policy.target_properties == ("target", "label")
    named = policy_from_proto(v1.ModelPolicy(metric="auc", schema_properties=["cols"]))
    assert named.schema_properties == ("cols",)
    for bad, words in (
        (v1.ModelPolicy(), "needs a metric"),
        (v1.ModelPolicy(metric="a", min_improvement=float("nan")), "finite"),
        (v1.ModelPolicy(metric="a", target_properties=[" "]), "empty target"),
    ):
        with pytest.raises(InvalidArgumentError, match=words):
            policy_from_proto(bad)


def test_patterns() -> None:
    assert check_traffic(CANARY, 10.0) == 10.0
    assert check_traffic(BLUE_GREEN, 100.0) is None
    for pattern, share in ((CANARY, None), (CANARY, 100.0), (CANARY, 0.0), (SHADOW, 1.0)):
        with pytest.raises(InvalidArgumentError):
            check_traffic(pattern, share)
    running = [Running(1, "1.0.0"), Running(2, "1.1.0")]
    assert ended_by(BLUE_GREEN, "2.0.0", running) == [1, 2]
    assert ended_by(CANARY, "1.1.0", running) == [2]
    assert ended_by(SHADOW, "2.0.0", running) == []
