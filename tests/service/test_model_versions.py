"""The model registry's decision table: each rule, their combinations, overrides,
and what a registration leaves for plain MLMD clients (through both access paths,
on every backend)."""

from __future__ import annotations

from typing import Any

import pytest

from mdstore.embedded.store import MetadataStore
from mdstore.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    InvalidArgumentError,
    NotFoundError,
)
from mdstore.wire import mlmd, v1
from tests.helpers.training import train

MODEL = "churn"
BUMP = {value.name: value.number for value in v1.Bump.values}


def policy(**fields: Any) -> Any:
    return v1.ModelPolicy(metric="accuracy", **fields)


def registered(store: MetadataStore, **policy_fields: Any) -> MetadataStore:
    store.create_registered_model(MODEL, policy(**policy_fields))
    return store


def register(store: MetadataStore, model_id: int, **options: Any) -> Any:
    return store.register_model_version(MODEL, model_id, **options)


def bump_of(version: Any) -> str:
    return str(v1.Bump.values_by_number[version.bump].name)


def first(store: MetadataStore, **run: Any) -> Any:
    version = register(registered(store), train(store, **run))
    assert (version.version, bump_of(version)) == ("1.0.0", "INITIAL")
    return version


# (what the second run changes, the bump, the version, the deciding rule's words)
DECISIONS = [
    ({"schema": "s2"}, "MAJOR", "2.0.0", "schema"),
    ({"target": "churned"}, "MAJOR", "2.0.0", "target"),
    ({"accuracy": 0.95}, "MINOR", "1.1.0", "accuracy 0.9 -> 0.95"),
    ({"lr": "0.3"}, "PIPELINE", "1.0.1", "parameter lr of step RegStep changed: 0.1 -> 0.3"),
    ({"extra_step": True}, "PIPELINE", "1.0.1", "step RegStep added"),
    ({"sha": "bb22"}, "PIPELINE", "1.0.1", "source digest changed: aa11 -> bb22"),
    # combinations: the first rule that holds decides
    ({"schema": "s2", "accuracy": 0.99}, "MAJOR", "2.0.0", "schema"),
    ({"accuracy": 0.95, "lr": "0.3"}, "MINOR", "1.1.0", "accuracy"),
    ({"accuracy": 0.80, "lr": "0.3"}, "PIPELINE", "1.0.1", "parameter lr"),
]


@pytest.mark.parametrize(("change", "bump", "version", "words"), DECISIONS)
def test_decision_table(
    store: MetadataStore, change: dict[str, Any], bump: str, version: str, words: str
) -> None:
    first(store)
    made = register(store, train(store, **change))
    assert (made.version, bump_of(made)) == (version, bump)
    assert made.computed_bump == made.bump
    assert made.reasons[0].rule == bump.lower()
    assert words in made.reasons[0].text
    assert made.previous_version == "1.0.0"


def test_every_change_is_a_reason_the_deciding_one_first(store: MetadataStore) -> None:
    first(store)
    made = register(store, train(store, schema="s2", accuracy=0.99, lr="0.3"))
    rules = [reason.rule for reason in made.reasons]
    assert rules[0] == "major"
    assert {"minor", "pipeline"} <= set(rules[1:])


def test_a_worse_metric_alone_is_nothing_to_version(store: MetadataStore) -> None:
    first(store)
    with pytest.raises(FailedPreconditionError, match=r"nothing differs from version 1\.0\.0"):
        register(store, train(store, accuracy=0.85))


def test_an_identical_rerun_is_refused_unless_forced(store: MetadataStore) -> None:
    first(store)
    rerun = train(store)
    with pytest.raises(FailedPreconditionError, match="force"):
        register(store, rerun)
    forced = register(store, rerun, force=True)
    assert (forced.version, bump_of(forced)) == ("1.0.1", "PIPELINE")
    assert forced.reasons[0].rule == "override"
    assert "1.0.0" in forced.reasons[0].text


def test_the_threshold_and_the_direction_decide_minor(store: MetadataStore) -> None:
    registered(store, min_improvement=0.05)
    register(store, train(store, accuracy=0.90))
    with pytest.raises(FailedPreconditionError):
        register(store, train(store, accuracy=0.93))  # better by 0.03: not enough
    assert register(store, train(store, accuracy=0.96)).version == "1.1.0"


def test_lower_is_better(store: MetadataStore) -> None:
    registered(store, lower_is_better=True)
    register(store, train(store, accuracy=0.30))
    assert register(store, train(store, accuracy=0.20)).version == "1.1.0"
    assert bump_of(register(store, train(store, accuracy=0.40, lr="0.5"))) == "PIPELINE"


def test_the_metric_is_read_from_an_evaluation(store: MetadataStore) -> None:
    registered(store)
    assert register(store, train(store, evaluated=True, accuracy=0.90)).metric == pytest.approx(0.9)
    made = register(store, train(store, evaluated=True, accuracy=0.97))
    assert (made.version, made.metric) == ("1.1.0", pytest.approx(0.97))


def test_the_schema_is_read_from_the_training_input_first(store: MetadataStore) -> None:
    # The split carries s1 while upstream now says s2: the nearest data decides.
    first(store, schema_on_split=True)
    made = register(store, train(store, schema_on_split=True, accuracy=0.95))
    assert made.version == "1.1.0"


def test_an_override_is_kept_beside_what_the_rules_computed(store: MetadataStore) -> None:
    first(store)
    made = register(store, train(store, lr="0.3"), bump=BUMP["MAJOR"], reason="new label policy")
    assert (made.version, bump_of(made)) == ("2.0.0", "MAJOR")
    assert made.computed_bump == BUMP["PIPELINE"]
    assert made.override_reason == "new label policy"
    assert made.reasons[0].rule == "override"
    assert made.reasons[1].rule == "pipeline"


def test_versions_never_go_back_and_list_in_order(store: MetadataStore) -> None:
    first(store)
    register(store, train(store, schema="s2"))
    register(store, train(store, schema="s2", lr="0.2"))
    register(store, train(store, schema="s2", lr="0.2", accuracy=0.95))
    versions = store.get_model_versions(MODEL)
    assert [v.version for v in versions] == ["1.0.0", "2.0.0", "2.0.1", "2.1.0"]
    assert [v.sequence for v in versions] == [1, 2, 3, 4]
    assert [v.previous_version for v in versions] == ["", "1.0.0", "2.0.0", "2.0.1"]
    assert store.get_registered_model(MODEL).latest_version == "2.1.0"


def test_plain_mlmd_clients_see_the_model_and_its_versions(store: MetadataStore) -> None:
    version = first(store)
    model = store.get_registered_model(MODEL)
    [context] = store.get_contexts_by_id([model.context_id])
    assert (context.type, context.name) == ("mdstore.RegisteredModel", MODEL)
    [artifact] = store.get_artifacts_by_context(model.context_id)
    assert artifact.id == version.artifact_id
    assert artifact.custom_properties["mdstore.version"].string_value == "1.0.0"


def test_a_policy_change_is_kept_and_used(store: MetadataStore) -> None:
    first(store)
    store.set_model_policy(MODEL, policy(min_improvement=0.5), reason="only big wins")
    model = store.get_registered_model(MODEL)
    assert [p.policy.min_improvement for p in model.policy_history] == [0.0, 0.5]
    assert [p.reason for p in model.policy_history] == ["created", "only big wins"]
    with pytest.raises(FailedPreconditionError):
        register(store, train(store, accuracy=0.95))


def test_what_is_missing_is_named(store: MetadataStore) -> None:
    registered(store)
    orphan = mlmd.Artifact(type_id=store.put_artifact_type(mlmd.ArtifactType(name="RegOrphan")))
    [orphan_id] = store.put_artifacts([orphan])
    with pytest.raises(FailedPreconditionError, match="no training lineage"):
        register(store, orphan_id)
    with pytest.raises(FailedPreconditionError, match="no metric 'accuracy'"):
        register(store, train(store, accuracy=None))


def test_bad_registrations(store: MetadataStore) -> None:
    version = first(store)
    with pytest.raises(NotFoundError, match="no registered model"):
        store.register_model_version("nope", version.artifact_id)
    with pytest.raises(NotFoundError, match="no artifact with id 99999"):
        register(store, 99999)
    with pytest.raises(AlreadyExistsError, match="already version 1.0.0"):
        register(store, version.artifact_id)
    with pytest.raises(AlreadyExistsError):
        store.create_registered_model(MODEL, policy())
    with pytest.raises(InvalidArgumentError, match="bump must be"):
        register(store, train(store, lr="9"), bump=42, reason="x")
    with pytest.raises(InvalidArgumentError, match="needs a reason"):
        register(store, train(store, lr="9"), bump=BUMP["MINOR"])
    with pytest.raises(InvalidArgumentError, match="needs a metric"):
        store.create_registered_model("other", v1.ModelPolicy())
    with pytest.raises(InvalidArgumentError, match="min_improvement"):
        store.create_registered_model("other", policy(min_improvement=-1))
    with pytest.raises(InvalidArgumentError, match="invalid model name"):
        store.create_registered_model("a/b", policy())


def test_the_first_version_takes_no_bump(store: MetadataStore) -> None:
    registered(store)
    with pytest.raises(InvalidArgumentError, match="first version is always 1.0.0"):
        register(store, train(store), bump=BUMP["MAJOR"], reason="why not")
