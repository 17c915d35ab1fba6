"""Models and property values, without a store: what is accepted and what the errors say."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mdstore.errors import InvalidArgumentError
from mdstore.wire import mlmd
from mdstore_client import Artifact, ArtifactType, PropertyType, ProtoValue
from mdstore_client.convert import ARTIFACT, node_from_proto, node_to_proto
from mdstore_client.models import build
from mdstore_client.values import from_value, property_type, to_value


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (int, PropertyType.INT),
        (float, PropertyType.DOUBLE),
        (str, PropertyType.STRING),
        (bool, PropertyType.BOOLEAN),
        (dict, PropertyType.STRUCT),
        ("double", PropertyType.DOUBLE),
        ("FLOAT", PropertyType.DOUBLE),
        (PropertyType.PROTO, PropertyType.PROTO),
    ],
)
def test_property_declarations(spec: object, expected: PropertyType) -> None:
    assert property_type(spec) is expected


def test_type_model_names_the_bad_declaration() -> None:
    with pytest.raises(ValidationError, match=r"property 'rows': <class 'list'> is not a property"):
        ArtifactType(name="Dataset", properties={"rows": list})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1, 2], "a list is not a property value; use int, float, str, bool or dict"),
        (None, None),
        (float("nan"), "nan is not a finite number"),
        ({"a": {1, 2}}, "set {1, 2} at a cannot be stored in a dict value"),
        ({1: "x"}, "dict key 1 at top level is not a string"),
    ],
)
def test_property_values_are_checked(value: object, message: str | None) -> None:
    if message is None:  # None means "no value": left out, not an error
        assert Artifact(type="Dataset", properties={"rows": value}).properties == {}
        return
    with pytest.raises(ValidationError, match="property 'rows': " + message.replace("{", r"\{")):
        Artifact(type="Dataset", properties={"rows": value})


def test_build_turns_validation_errors_into_invalid_argument() -> None:
    with pytest.raises(InvalidArgumentError, match=r"output of type 'Model': properties: .*'auc'"):
        build(Artifact, "output of type 'Model'", type="Model", properties={"auc": [0.9]})


def test_numpy_scalars_become_python_values() -> None:
    np = pytest.importorskip("numpy")
    artifact = Artifact(
        type="Metrics",
        properties={"accuracy": np.float64(0.5), "n": np.int64(3), "ok": np.bool_(True)},
    )
    assert artifact.properties == {"accuracy": 0.5, "n": 3, "ok": True}
    assert type(artifact.properties["n"]) is int


def test_declared_kind_must_match() -> None:
    with pytest.raises(
        InvalidArgumentError, match=r"property 'rows' of X is declared INT; got str '12'"
    ):
        to_value("12", PropertyType.INT, "property 'rows' of X")
    with pytest.raises(InvalidArgumentError, match="declared BOOLEAN; got int 1"):
        to_value(1, PropertyType.BOOLEAN, "property 'ok' of X")
    assert to_value(3, PropertyType.DOUBLE, "x").double_value == 3.0  # int widens to double


@pytest.mark.parametrize(
    "value",
    [7, 0.25, "text", True, {"lr": 0.1, "layers": [1.0, 2.0], "name": "x", "none": None}],
)
def test_values_round_trip(value: object) -> None:
    assert from_value(to_value(value, None, "x")) == value


def test_proto_values_round_trip() -> None:
    packed = ProtoValue.pack(mlmd.Artifact(uri="s3://x"))
    assert packed.type_url == "type.googleapis.com/ml_metadata.Artifact"
    assert from_value(to_value(packed, PropertyType.PROTO, "x")) == packed


def test_node_round_trip_through_the_wire_message() -> None:
    declared = ArtifactType(id=4, name="Model", properties={"auc": float, "tags": dict})
    model = Artifact(
        id=9,
        type="Model",
        name="m",
        uri="file:///m.pkl",
        properties={"auc": 1, "tags": {"team": "risk"}},
        custom_properties={"sha256": "ab"},
    )
    message = node_to_proto(ARTIFACT, model, declared)
    assert message.properties["auc"].double_value == 1.0
    back = node_from_proto(ARTIFACT, message, "Model")
    assert back.properties == {"auc": 1.0, "tags": {"team": "risk"}}
    assert (back.id, back.type_id, back.uri, back.sha256) == (9, 4, "file:///m.pkl", "ab")


def test_undeclared_property_lists_the_declared_ones() -> None:
    declared = ArtifactType(id=4, name="Model", properties={"auc": float})
    with pytest.raises(
        InvalidArgumentError,
        match=r"artifact type 'Model' has no property 'acc' \(declared: auc\); declare it",
    ):
        node_to_proto(ARTIFACT, Artifact(type="Model", properties={"acc": 0.9}), declared)
