"""``adopt``: messages built with another descriptor pool's classes (ml_metadata's own)
become mdstore's, by their bytes; anything else is refused."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from mdstore.embedded.base import adopt, adopt_all
from mdstore.wire import mlmd


def _foreign_class(full_name: str) -> Any:
    """The class of ``full_name`` in a pool of its own, as ``ml_metadata.proto`` has."""
    data = resources.files("mdstore.proto").joinpath("descriptor_set.binpb").read_bytes()
    pool = descriptor_pool.DescriptorPool()
    for file_proto in descriptor_pb2.FileDescriptorSet.FromString(data).file:
        pool.Add(file_proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(full_name))


def test_a_foreign_message_is_re_read_as_ours() -> None:
    foreign = _foreign_class("ml_metadata.Artifact")(id=3, uri="s3://x")
    foreign.custom_properties["k"].int_value = 7

    adopted = adopt(mlmd.Artifact, foreign)

    assert type(adopted) is mlmd.Artifact
    assert adopted == mlmd.Artifact(id=3, uri="s3://x", custom_properties={"k": {"int_value": 7}})


def test_our_messages_and_none_pass_through() -> None:
    ours = mlmd.Artifact(uri="u")

    assert adopt(mlmd.Artifact, ours) is ours
    assert adopt(mlmd.Artifact, None) is None


@pytest.mark.parametrize(
    "wrong",
    [mlmd.Execution(), "an artifact", 42],
    ids=["another message", "a string", "an int"],
)
def test_anything_else_is_a_type_error(wrong: Any) -> None:
    with pytest.raises(TypeError, match="expected a ml_metadata.Artifact message"):
        adopt(mlmd.Artifact, wrong)


def test_adopt_all() -> None:
    foreign = _foreign_class("ml_metadata.Context")(name="c")

    adopted = adopt_all(mlmd.Context, [foreign, mlmd.Context(name="d")])

    assert [type(c) for c in adopted] == [mlmd.Context, mlmd.Context]
    assert [c.name for c in adopted] == ["c", "d"]
    assert adopt_all(mlmd.Context, None) == []
