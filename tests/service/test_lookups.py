"""Node lookups: by id, by type, by type and name, by URI, by external id, listings."""

from __future__ import annotations

from typing import Any

import pytest

from mdstore import ListOptions, OrderByField
from mdstore.errors import NotFoundError
from mdstore.wire import mlmd
from tests.helpers.types import Types


@pytest.fixture
def artifacts(store: Any, types: Types) -> dict[str, int]:
    """Five artifacts over two types and two versions of "Model"."""
    model_v2 = store.put_artifact_type(mlmd.ArtifactType(name="Model", version="v2"))
    names = ["m1", "m2", "d1", "shared-uri", "m-v2"]
    ids = store.put_artifacts(
        [
            mlmd.Artifact(type_id=types.model, name="m1", uri="s3://a", external_id="ext-m1"),
            mlmd.Artifact(type_id=types.model, name="m2", uri="s3://b", external_id="ext-m2"),
            mlmd.Artifact(type_id=types.dataset, name="d1", uri="s3://shared"),
            mlmd.Artifact(type_id=types.model, name="shared-uri", uri="s3://shared"),
            mlmd.Artifact(type_id=model_v2, name="m-v2", uri="s3://v2"),
        ]
    )
    return dict(zip(names, ids, strict=True))


def _ids(nodes: Any) -> list[int]:
    return sorted(n.id for n in nodes)


def test_get_by_id_returns_found_ones(store: Any, artifacts: dict[str, int]) -> None:
    missing = max(artifacts.values()) + 1000

    got = store.get_artifacts_by_id([artifacts["m1"], missing, artifacts["d1"]])

    assert _ids(got) == sorted([artifacts["m1"], artifacts["d1"]])
    assert store.get_artifacts_by_id([missing]) == []
    assert store.get_artifacts_by_id([]) == []


def test_get_by_id_with_repeated_ids(store: Any, artifacts: dict[str, int]) -> None:
    got = store.get_artifacts_by_id([artifacts["m1"], artifacts["m1"]])

    assert {a.id for a in got} == {artifacts["m1"]}


def test_get_artifacts_and_types_by_artifact_ids(
    store: Any, types: Types, artifacts: dict[str, int]
) -> None:
    got, got_types = store.get_artifacts_and_types_by_artifact_ids(
        [artifacts["m1"], artifacts["d1"]]
    )

    assert _ids(got) == sorted([artifacts["m1"], artifacts["d1"]])
    assert {t.id: t.name for t in got_types} == {types.model: "Model", types.dataset: "Dataset"}


def test_get_by_type(store: Any, artifacts: dict[str, int]) -> None:
    assert _ids(store.get_artifacts_by_type("Model")) == sorted(
        [artifacts["m1"], artifacts["m2"], artifacts["shared-uri"]]
    )
    assert _ids(store.get_artifacts_by_type("Model", "v2")) == [artifacts["m-v2"]]
    assert _ids(store.get_artifacts_by_type("Dataset")) == [artifacts["d1"]]
    assert store.get_artifacts_by_type("Nope") == []
    assert store.get_artifacts_by_type("Model", "v9") == []


def test_get_by_type_and_name(store: Any, types: Types, artifacts: dict[str, int]) -> None:
    got = store.get_artifact_by_type_and_name("Model", "m2")

    assert got is not None
    assert (got.id, got.uri, got.type_id) == (artifacts["m2"], "s3://b", types.model)
    assert store.get_artifact_by_type_and_name("Model", "m-v2", "v2").id == artifacts["m-v2"]
    assert store.get_artifact_by_type_and_name("Model", "m-v2") is None
    assert store.get_artifact_by_type_and_name("Model", "nope") is None
    assert store.get_artifact_by_type_and_name("Nope", "m1") is None


def test_execution_and_context_by_type_and_name(store: Any, types: Types) -> None:
    [e] = store.put_executions([mlmd.Execution(type_id=types.trainer, name="train-1")])
    [c] = store.put_contexts([mlmd.Context(type_id=types.pipeline, name="p")])

    assert store.get_execution_by_type_and_name("Trainer", "train-1").id == e
    assert store.get_context_by_type_and_name("Pipeline", "p").id == c
    assert store.get_execution_by_type_and_name("Trainer", "nope") is None
    assert store.get_context_by_type_and_name("Pipeline", "nope") is None
    assert store.get_context_by_type_and_name("PipelineRun", "p") is None


def test_get_executions_and_contexts_by_type(store: Any, types: Types) -> None:
    e1, e2 = store.put_executions([mlmd.Execution(type_id=types.trainer) for _ in range(2)])
    c1, c2 = store.put_contexts(
        [
            mlmd.Context(type_id=types.pipeline, name="p"),
            mlmd.Context(type_id=types.run, name="r"),
        ]
    )

    assert _ids(store.get_executions_by_type("Trainer")) == sorted([e1, e2])
    assert _ids(store.get_contexts_by_type("Pipeline")) == [c1]
    assert _ids(store.get_contexts_by_type("PipelineRun")) == [c2]
    assert store.get_executions_by_type("Nope") == []
    assert store.get_executions_by_type("Model") == []  # an artifact type's name
    assert store.get_contexts_by_type("Trainer") == []


def test_get_by_uri(store: Any, artifacts: dict[str, int]) -> None:
    assert _ids(store.get_artifacts_by_uri("s3://shared")) == sorted(
        [artifacts["d1"], artifacts["shared-uri"]]
    )
    assert _ids(store.get_artifacts_by_uri("s3://a")) == [artifacts["m1"]]
    assert store.get_artifacts_by_uri("s3://nope") == []


def test_get_by_long_uri(store: Any, types: Types) -> None:
    uri = "s3://bucket/" + "deep/" * 1000  # longer than any index prefix
    [a] = store.put_artifacts([mlmd.Artifact(type_id=types.model, uri=uri)])
    store.put_artifacts([mlmd.Artifact(type_id=types.model, uri=uri[:-1])])

    assert _ids(store.get_artifacts_by_uri(uri)) == [a]


def test_get_by_uri_batch(caller: Any, artifacts: dict[str, int]) -> None:
    request = mlmd.GetArtifactsByURIRequest(uris=["s3://a", "s3://b", "s3://nope"])

    response = caller.call("GetArtifactsByURI", request)

    assert _ids(response.artifacts) == sorted([artifacts["m1"], artifacts["m2"]])


def test_get_by_external_ids(store: Any, types: Types, artifacts: dict[str, int]) -> None:
    [e] = store.put_executions([mlmd.Execution(type_id=types.trainer, external_id="ext-e")])
    [c] = store.put_contexts([mlmd.Context(type_id=types.pipeline, name="p", external_id="ext-c")])

    assert _ids(store.get_artifacts_by_external_ids(["ext-m1", "ext-m2", "nope"])) == sorted(
        [artifacts["m1"], artifacts["m2"]]
    )
    assert _ids(store.get_executions_by_external_ids(["ext-e", "nope"])) == [e]
    assert _ids(store.get_contexts_by_external_ids(["ext-c"])) == [c]


@pytest.mark.parametrize(
    "method",
    [
        "get_artifacts_by_external_ids",
        "get_executions_by_external_ids",
        "get_contexts_by_external_ids",
    ],
)
def test_get_by_external_ids_none_found_is_not_found(store: Any, types: Types, method: str) -> None:
    with pytest.raises(NotFoundError):  # MLMD: "No artifacts found for external_ids."
        getattr(store, method)(["nope"])


def test_listings_return_everything_of_a_kind(
    store: Any, types: Types, artifacts: dict[str, int]
) -> None:
    [e] = store.put_executions([mlmd.Execution(type_id=types.trainer)])
    [c] = store.put_contexts([mlmd.Context(type_id=types.pipeline, name="p")])

    assert _ids(store.get_artifacts()) == sorted(artifacts.values())
    assert _ids(store.get_executions()) == [e]
    assert _ids(store.get_contexts()) == [c]


def test_listing_beyond_one_hundred_rows(store: Any, types: Types) -> None:
    ids = store.put_artifacts([mlmd.Artifact(type_id=types.model, uri="u") for _ in range(150)])

    assert _ids(store.get_artifacts()) == sorted(ids)
    assert [a.id for a in store.get_artifacts(ListOptions(limit=120))] == sorted(ids)[:120]
    assert len(store.get_artifacts_by_type("Model")) == 150
    assert len(store.get_artifacts_by_uri("u")) == 150


def test_list_options_order_limit_and_filter(store: Any, artifacts: dict[str, int]) -> None:
    newest_first = ListOptions(order_by=OrderByField.ID, is_asc=False)
    shared = ListOptions(filter_query="uri = 's3://shared'", order_by=OrderByField.ID)

    assert [a.id for a in store.get_artifacts(newest_first)] == _ids(store.get_artifacts())[::-1]
    assert len(store.get_artifacts(ListOptions(limit=2))) == 2
    assert [a.name for a in store.get_artifacts(shared)] == ["d1", "shared-uri"]


def test_page_size_above_one_hundred_is_honoured(caller: Any, store: Any, types: Types) -> None:
    # MLMD silently caps a page at 100 rows; mdstore returns what was asked for.
    store.put_artifacts([mlmd.Artifact(type_id=types.model) for _ in range(150)])
    request = mlmd.GetArtifactsRequest(options=mlmd.ListOperationOptions(max_result_size=120))

    response = caller.call("GetArtifacts", request)

    assert len(response.artifacts) == 120
    assert response.next_page_token
    request.options.next_page_token = response.next_page_token
    rest = caller.call("GetArtifacts", request)
    assert len(rest.artifacts) == 30
    assert not rest.next_page_token
    assert len({a.id for a in response.artifacts} | {a.id for a in rest.artifacts}) == 150
