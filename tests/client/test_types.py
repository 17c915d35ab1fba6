"""Declarative, idempotent types through the client (gRPC and embedded)."""

from __future__ import annotations

import pytest

from mdstore.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from mdstore.wire import mlmd
from mdstore_client import PropertyType
from mdstore_client.client import Client
from tests.helpers.clients import RecordingTransport


def test_declaring_twice_returns_the_same_type(client: Client) -> None:
    first = client.artifact_type("Dataset", properties={"rows": int, "split": str})
    again = client.artifact_type("Dataset", properties={"rows": int, "split": str})
    assert first == again
    assert first.id is not None
    assert first.properties == {"rows": PropertyType.INT, "split": PropertyType.STRING}
    stored = client.call("GetArtifactTypes", mlmd.GetArtifactTypesRequest()).artifact_types
    assert [t.name for t in stored] == ["Dataset"]


def test_new_properties_are_added_and_omitted_ones_kept(client: Client) -> None:
    client.artifact_type("Dataset", properties={"rows": int})
    extended = client.artifact_type("Dataset", properties={"split": str})
    assert extended.properties == {"rows": PropertyType.INT, "split": PropertyType.STRING}


def test_changing_a_property_kind_is_refused(client: Client) -> None:
    client.execution_type("trainer", properties={"lr": float})
    with pytest.raises(AlreadyExistsError, match="'lr'") as info:
        client.execution_type("trainer", properties={"lr": str})
    assert info.value.code == "ALREADY_EXISTS"


def test_all_three_kinds_and_details(client: Client) -> None:
    artifact = client.artifact_type("Model", {"auc": float}, base_type="MODEL", description="d")
    execution = client.execution_type("trainer", {"lr": "double"}, base_type="TRAIN")
    context = client.context_type("experiment", {"owner": str}, version="v1")
    assert (artifact.base_type, artifact.description) == ("MODEL", "d")
    assert execution.base_type == "TRAIN"
    assert execution.properties == {"lr": PropertyType.DOUBLE}
    assert context.version == "v1"


@pytest.mark.parametrize(
    ("properties", "details", "message"),
    [
        ({"rows": list}, {}, r"artifact type 'X': properties: .*property 'rows': <class 'list'>"),
        ({}, {"base_type": "SPACESHIP"}, "'SPACESHIP' is not a SystemDefinedBaseType"),
        ({}, {"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_bad_declarations_say_what_is_wrong(
    client: Client, properties: dict[str, object], details: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        client.artifact_type("X", properties, **details)


def test_unknown_type_says_how_to_declare_it(client: Client) -> None:
    with pytest.raises(
        NotFoundError,
        match=r"unknown artifact type 'Modle'; declare it first with client.artifact_type",
    ):
        client.put_artifact("Modle", uri="s3://bucket/m")


def test_types_are_cached(client: Client, calls: RecordingTransport) -> None:
    client.artifact_type("Dataset", properties={"rows": int})
    calls.clear()
    for _ in range(3):
        client.put_artifact("Dataset", uri="s3://x", properties={"rows": 1})
    assert calls.methods() == ["PutArtifacts"] * 3
