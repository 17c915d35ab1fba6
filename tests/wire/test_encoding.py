"""Hand-assembled wire bytes parse to the messages protobuf itself would encode."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mdstore.store.records.blobs import node_blob, parse_nodes
from mdstore.store.records.kinds import ARTIFACT
from mdstore.wire import mlmd
from mdstore.wire.encoding import field, ids, int_field, links, nodes, repeated, varint

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@given(INT64)
def test_int_field_matches_protobuf(value: int) -> None:
    assert int_field(1, value) == mlmd.Value(int_value=value).SerializeToString()


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_varint_round_trips_through_a_uint64_field(value: int) -> None:
    # Event.Path.Step.index is int64; reading a varint back through it checks the bytes.
    decoded = mlmd.Value.FromString(b"\x08" + varint(value)).int_value
    assert decoded % (1 << 64) == value


@given(st.lists(st.text(max_size=300), max_size=20))
def test_repeated_and_field_build_parseable_messages(uris: list[str]) -> None:
    artifacts = [mlmd.Artifact(id=i + 1, uri=u) for i, u in enumerate(uris)]
    payload = repeated(1, (a.SerializeToString() for a in artifacts))
    assert list(mlmd.GetArtifactsByIDResponse.FromString(payload).artifacts) == artifacts
    wrapped = mlmd.GetLineageSubgraphResponse.FromString(field(1, b""))
    assert wrapped.HasField("lineage_subgraph")


@given(st.integers(min_value=1, max_value=2**63 - 1), st.text(), st.integers(0, 5))
def test_repeated_nodes_are_the_nodes_with_their_ids(node_id: int, uri: str, state: int) -> None:
    node = mlmd.Artifact(type_id=3, uri=uri, state=state)
    node.custom_properties["owner"].string_value = uri
    blob = node_blob(ARTIFACT, node, "Dataset", 10, 20)
    expected = mlmd.Artifact(id=node_id, type="Dataset")
    expected.MergeFrom(node)
    expected.create_time_since_epoch, expected.last_update_time_since_epoch = 10, 20
    payload = nodes(1, [(node_id, blob), (node_id, memoryview(blob))])
    assert list(mlmd.GetArtifactsByIDResponse.FromString(payload).artifacts) == [expected] * 2
    assert parse_nodes(ARTIFACT, [(node_id, memoryview(blob))]) == [expected]


@given(st.lists(st.integers(min_value=1, max_value=2**63 - 1), max_size=20))
def test_ids_are_dehydrated_nodes(node_ids: list[int]) -> None:
    payload = ids(4, node_ids)  # LineageGraph.artifacts
    graph = mlmd.LineageGraph.FromString(payload)
    assert list(graph.artifacts) == [mlmd.Artifact(id=i) for i in node_ids]


@given(st.lists(st.tuples(st.integers(1, 2**40), st.integers(1, 2**40)), max_size=20))
def test_links_are_attributions(pairs: list[tuple[int, int]]) -> None:
    graph = mlmd.LineageGraph.FromString(links(8, pairs))  # LineageGraph.attributions
    expected = [mlmd.Attribution(context_id=c, artifact_id=a) for c, a in pairs]
    assert list(graph.attributions) == expected


def test_node_blob_keeps_only_stored_fields() -> None:
    sent = mlmd.Artifact(id=99, type_id=3, type="NotTheType", uri="gs://x")
    sent.system_metadata.Pack(mlmd.Value(int_value=1))
    stored = mlmd.Artifact.FromString(node_blob(ARTIFACT, sent, "Dataset", 1, 2))
    assert (stored.type, stored.uri) == ("Dataset", "gs://x")
    assert not stored.HasField("id")
    assert not stored.HasField("system_metadata")
