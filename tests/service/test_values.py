"""Property values of every kind survive a round trip through each database."""

from __future__ import annotations

from typing import Any

import pytest

from mdstore.wire import mlmd
from tests.helpers.types import Types


def _struct(data: dict[str, Any]) -> Any:
    value = mlmd.Value()
    value.struct_value.SetInParent()  # update({}) alone would leave the oneof unset
    value.struct_value.update(data)
    return value


def _proto() -> Any:
    value = mlmd.Value()
    inner = mlmd.Artifact(name="inner", uri="s3://bucket/inner")
    inner.custom_properties["nested"].int_value = 3
    value.proto_value.Pack(inner)
    return value


VALUES = {
    "int": mlmd.Value(int_value=42),
    "int_zero": mlmd.Value(int_value=0),
    "int_max": mlmd.Value(int_value=2**63 - 1),
    "int_min": mlmd.Value(int_value=-(2**63)),
    "double": mlmd.Value(double_value=1.5),
    "double_zero": mlmd.Value(double_value=0.0),
    "double_tiny": mlmd.Value(double_value=5e-324),
    "double_huge": mlmd.Value(double_value=-1.7976931348623157e308),
    "double_precise": mlmd.Value(double_value=0.1 + 0.2),
    "string": mlmd.Value(string_value="hello"),
    "string_empty": mlmd.Value(string_value=""),
    "string_unicode": mlmd.Value(string_value="héllo ☃ 𝄞 日本"),
    "string_long": mlmd.Value(string_value="x" * 100_000),  # past MySQL's 64 KiB TEXT
    "bool_true": mlmd.Value(bool_value=True),
    "bool_false": mlmd.Value(bool_value=False),
    "struct": _struct({"k": [1, "x", None, True], "nested": {"a": 1.25}}),
    "struct_empty": _struct({}),
    "proto": _proto(),
}


@pytest.fixture(params=["artifact", "execution", "context"])
def put_and_get(request: pytest.FixtureRequest, store: Any, types: Types) -> Any:
    """``put_and_get(node) -> stored node`` for one node kind."""
    kind = request.param

    def run(fill: Any) -> Any:
        if kind == "artifact":
            node = mlmd.Artifact(type_id=types.model)
        elif kind == "execution":
            node = mlmd.Execution(type_id=types.trainer)
        else:
            node = mlmd.Context(type_id=types.pipeline, name="c")
        fill(node)
        [node_id] = getattr(store, f"put_{kind}s")([node])
        return getattr(store, f"get_{kind}s_by_id")([node_id])[0]

    return run


def test_custom_property_values_round_trip(put_and_get: Any) -> None:
    def fill(node: Any) -> None:
        for key, value in VALUES.items():
            node.custom_properties[key].CopyFrom(value)

    got = put_and_get(fill)

    assert set(got.custom_properties) == set(VALUES)
    for key, value in VALUES.items():
        stored = got.custom_properties[key]
        assert stored.WhichOneof("value") == value.WhichOneof("value"), key
        assert stored == value, key
    assert not got.properties


def test_typed_property_values_round_trip(store: Any, types: Types) -> None:
    artifact = mlmd.Artifact(type_id=types.dataset)
    artifact.properties["int_p"].int_value = -7
    artifact.properties["double_p"].double_value = 2.5
    artifact.properties["string_p"].string_value = "s"
    artifact.properties["struct_p"].CopyFrom(_struct({"a": [1, 2]}))
    artifact.properties["proto_p"].CopyFrom(_proto())
    artifact.properties["bool_p"].bool_value = False

    [artifact_id] = store.put_artifacts([artifact])

    got = store.get_artifacts_by_id([artifact_id])[0]
    assert dict(got.properties) == dict(artifact.properties)
    assert got.properties["bool_p"].WhichOneof("value") == "bool_value"
    unpacked = mlmd.Artifact()
    assert got.properties["proto_p"].proto_value.Unpack(unpacked)
    assert unpacked.custom_properties["nested"].int_value == 3
    assert got.properties["struct_p"].struct_value["a"] == [1, 2]


def test_property_and_custom_property_with_the_same_name(store: Any, types: Types) -> None:
    artifact = mlmd.Artifact(type_id=types.dataset)
    artifact.properties["int_p"].int_value = 1
    artifact.custom_properties["int_p"].string_value = "custom"

    [artifact_id] = store.put_artifacts([artifact])

    got = store.get_artifacts_by_id([artifact_id])[0]
    assert got.properties["int_p"].int_value == 1
    assert got.custom_properties["int_p"].string_value == "custom"


def test_value_kind_of_a_custom_property_can_change(store: Any, types: Types) -> None:
    artifact = mlmd.Artifact(type_id=types.model)
    artifact.custom_properties["c"].int_value = 1
    [artifact_id] = store.put_artifacts([artifact])

    update = mlmd.Artifact(id=artifact_id, type_id=types.model)
    update.custom_properties["c"].string_value = "now a string"
    store.put_artifacts([update])

    got = store.get_artifacts_by_id([artifact_id])[0].custom_properties["c"]
    assert got.WhichOneof("value") == "string_value"
    assert got.string_value == "now a string"


def test_many_properties_on_many_nodes(store: Any, types: Types) -> None:
    artifacts = []
    for i in range(30):
        artifact = mlmd.Artifact(type_id=types.model, uri=f"u{i}")
        for j in range(10):
            artifact.custom_properties[f"p{j}"].int_value = i * 100 + j
        artifacts.append(artifact)

    ids = store.put_artifacts(artifacts)

    got = {a.id: a for a in store.get_artifacts_by_id(ids)}
    for i, artifact_id in enumerate(ids):
        assert got[artifact_id].uri == f"u{i}"
        assert {k: v.int_value for k, v in got[artifact_id].custom_properties.items()} == {
            f"p{j}": i * 100 + j for j in range(10)
        }
