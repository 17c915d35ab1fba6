"""The embedded ``mdstore.MetadataStore``: same surface as ml_metadata's, and it works.

The signatures below were read off ``ml_metadata.MetadataStore`` 1.17.1 (``self``
left out). They are hard-coded because ml-metadata cannot be installed beside
mdstore's own protobuf in the test venv.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from importlib import resources
from typing import Any

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

import mdstore
from mdstore.embedded.list_options import PAGE_SIZE, ListOptions, OrderByField, list_all
from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.service.dispatch import Service
from mdstore.wire import mlmd

INT = mlmd.PropertyType.values_by_name["INT"].number

_NAME = "type_name, {0}_name, type_version=None, extra_options=None"
_TYPE = "type_name, type_version=None, extra_options=None"
_PUT_TYPE = "{0}_type, can_add_fields=False, can_omit_fields=False, extra_options=None"
_PUT_NODES = "{0}, field_mask_paths=None, extra_options=None"
_LIST = "list_options=None, extra_options=None"
_ONE = "{0}, extra_options=None"

MLMD_SIGNATURES: dict[str, str] = {
    "get_artifact_by_type_and_name": _NAME.format("artifact"),
    "get_execution_by_type_and_name": _NAME.format("execution"),
    "get_context_by_type_and_name": _NAME.format("context"),
    "get_artifact_type": _TYPE,
    "get_execution_type": _TYPE,
    "get_context_type": _TYPE,
    "get_artifacts_by_type": _TYPE,
    "get_executions_by_type": _TYPE,
    "get_contexts_by_type": _TYPE,
    "get_artifact_types": "extra_options=None",
    "get_execution_types": "extra_options=None",
    "get_context_types": "extra_options=None",
    "get_artifact_types_by_external_ids": _ONE.format("external_ids"),
    "get_execution_types_by_external_ids": _ONE.format("external_ids"),
    "get_context_types_by_external_ids": _ONE.format("external_ids"),
    "get_artifacts_by_external_ids": _ONE.format("external_ids"),
    "get_executions_by_external_ids": _ONE.format("external_ids"),
    "get_contexts_by_external_ids": _ONE.format("external_ids"),
    "get_artifact_types_by_id": _ONE.format("type_ids"),
    "get_execution_types_by_id": _ONE.format("type_ids"),
    "get_context_types_by_id": _ONE.format("type_ids"),
    "get_artifacts_by_id": _ONE.format("artifact_ids"),
    "get_executions_by_id": _ONE.format("execution_ids"),
    "get_contexts_by_id": _ONE.format("context_ids"),
    "get_artifacts_and_types_by_artifact_ids": _ONE.format("artifact_ids"),
    "get_artifacts_by_uri": _ONE.format("uri"),
    "get_artifacts": _LIST,
    "get_executions": _LIST,
    "get_contexts": _LIST,
    "get_artifacts_by_context": "context_id, " + _LIST,
    "get_executions_by_context": "context_id, " + _LIST,
    "get_contexts_by_artifact": _ONE.format("artifact_id"),
    "get_contexts_by_execution": _ONE.format("execution_id"),
    "get_parent_contexts_by_context": _ONE.format("context_id"),
    "get_children_contexts_by_context": _ONE.format("context_id"),
    "get_events_by_artifact_ids": _ONE.format("artifact_ids"),
    "get_events_by_execution_ids": _ONE.format("execution_ids"),
    "get_lineage_subgraph": "query_options, field_mask_paths=None, extra_options=None",
    "put_artifact_type": _PUT_TYPE.format("artifact"),
    "put_execution_type": _PUT_TYPE.format("execution"),
    "put_context_type": _PUT_TYPE.format("context"),
    "put_artifacts": _PUT_NODES.format("artifacts"),
    "put_executions": _PUT_NODES.format("executions"),
    "put_contexts": _PUT_NODES.format("contexts"),
    "put_events": _ONE.format("events"),
    "put_parent_contexts": _ONE.format("parent_contexts"),
    "put_attributions_and_associations": "attributions, associations, extra_options=None",
    "put_execution": (
        "execution, artifact_and_events, contexts, reuse_context_if_already_exist=False, "
        "reuse_artifact_if_already_exist_by_external_id=False, force_reuse_context=False, "
        "force_update_time=False, extra_options=None"
    ),
    "put_lineage_subgraph": (
        "executions, artifacts, contexts, event_edges, reuse_context_if_already_exist=False, "
        "reuse_artifact_if_already_exist_by_external_id=False, extra_options=None"
    ),
}


def _rendered_signature(function: Any) -> str:
    params = list(inspect.signature(function).parameters.values())[1:]
    return ", ".join(
        p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
        for p in params
    )


# ---------------------------------------------------------------- surface


def test_every_ml_metadata_method_is_present() -> None:
    missing = [name for name in MLMD_SIGNATURES if not hasattr(mdstore.MetadataStore, name)]
    assert missing == []
    assert len(MLMD_SIGNATURES) == 49


@pytest.mark.parametrize("name", sorted(MLMD_SIGNATURES))
def test_signature_matches_ml_metadata(name: str) -> None:
    assert _rendered_signature(getattr(mdstore.MetadataStore, name)) == MLMD_SIGNATURES[name]


def test_public_methods_are_ml_metadatas_plus_known_additions() -> None:
    public = {
        name
        for name, member in inspect.getmembers(mdstore.MetadataStore)
        if not name.startswith("_") and callable(member)
    }
    assert public - set(MLMD_SIGNATURES) == {"close", "get_lineage_graph"}
    assert isinstance(inspect.getattr_static(mdstore.MetadataStore, "pipeline_asset"), property)


def test_list_options_match_ml_metadata() -> None:
    assert ListOptions() == ListOptions(limit=None, order_by=None, is_asc=True, filter_query=None)
    assert {m.name: m.value for m in OrderByField} == {"CREATE_TIME": 1, "UPDATE_TIME": 2, "ID": 3}
    assert mdstore.ListOptions is ListOptions
    assert mdstore.OrderByField is OrderByField


def test_importing_the_package_and_wire_does_not_load_sqlalchemy() -> None:
    code = (
        "import sys, mdstore, mdstore.wire\n"
        "assert mdstore.__version__ == '0.1.0'\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy was imported'\n"
        "mdstore.ListOptions\n"
        "assert 'sqlalchemy' not in sys.modules, 'ListOptions imported sqlalchemy'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_package_attribute_raises() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = mdstore.no_such_thing  # type: ignore[attr-defined]


# ---------------------------------------------------------------- paging


def _paged_call(rows: list[int], sent: list[Any]) -> Any:
    """A fake ``call`` serving ``rows`` as artifact ids, honouring page size and token."""

    def call(method: str, request: Any) -> Any:
        sent.append(mlmd.GetArtifactsRequest.FromString(request.SerializeToString()))
        start = int(request.options.next_page_token or 0)
        size = request.options.max_result_size or 20
        page = rows[start : start + size]
        response = mlmd.GetArtifactsResponse(artifacts=[mlmd.Artifact(id=i) for i in page])
        if start + size < len(rows):
            response.next_page_token = str(start + size)
        return response

    return call


def test_list_all_follows_page_tokens_to_the_end() -> None:
    sent: list[Any] = []
    call = _paged_call(list(range(1, 251)), sent)
    got = list_all(call, "GetArtifacts", "artifacts", mlmd.GetArtifactsRequest(), ListOptions())
    assert [a.id for a in got] == list(range(1, 251))
    assert [r.options.max_result_size for r in sent] == [PAGE_SIZE] * 3


def test_list_all_stops_at_the_limit_and_sends_the_options() -> None:
    sent: list[Any] = []
    options = ListOptions(
        limit=130, order_by=OrderByField.UPDATE_TIME, is_asc=False, filter_query="uri = 'x'"
    )
    call = _paged_call(list(range(1, 251)), sent)
    got = list_all(call, "GetArtifacts", "artifacts", mlmd.GetArtifactsRequest(), options)
    assert [a.id for a in got] == list(range(1, 131))
    assert [r.options.max_result_size for r in sent] == [PAGE_SIZE, 30]
    first = sent[0].options
    assert first.order_by_field.field == mlmd.ListOperationOptions.OrderByField.LAST_UPDATE_TIME
    assert not first.order_by_field.is_asc
    assert first.filter_query == "uri = 'x'"


def test_list_all_without_options_sends_none() -> None:
    sent: list[Any] = []
    got = list_all(
        _paged_call([1, 2, 3], sent), "GetArtifacts", "artifacts", mlmd.GetArtifactsRequest()
    )
    assert [a.id for a in got] == [1, 2, 3]
    assert not sent[0].HasField("options")


def test_negative_limit_is_invalid() -> None:
    with pytest.raises(InvalidArgumentError, match="limit"):
        list_all(
            _paged_call([], []),
            "GetArtifacts",
            "artifacts",
            mlmd.GetArtifactsRequest(),
            ListOptions(limit=-1),
        )


# ---------------------------------------------------------------- end to end


# ``store`` (tests/conftest.py) is ``mdstore.MetadataStore`` on each backend in turn.


def _dataset_type(store: Any) -> int:
    dataset_type = mlmd.ArtifactType(name="Dataset", properties={"rows": INT})
    return int(store.put_artifact_type(dataset_type))


def test_put_type_then_artifacts_and_read_them_back(store: Any) -> None:
    type_id = _dataset_type(store)
    assert _dataset_type(store) == type_id  # same name and properties: the stored type
    artifacts = [
        mlmd.Artifact(type_id=type_id, uri="s3://b/train", name="train"),
        mlmd.Artifact(type_id=type_id, uri="s3://b/eval"),
    ]
    artifacts[0].properties["rows"].int_value = 1000
    ids = store.put_artifacts(artifacts)
    assert len(ids) == 2
    assert len(set(ids)) == 2

    got = {a.id: a for a in store.get_artifacts_by_id(ids)}
    assert got[ids[0]].uri == "s3://b/train"
    assert got[ids[0]].properties["rows"].int_value == 1000
    assert got[ids[1]].type_id == type_id
    assert store.get_artifact_type("Dataset").id == type_id
    found = store.get_artifact_by_type_and_name("Dataset", "train")
    assert found is not None
    assert found.id == ids[0]
    assert store.get_artifact_by_type_and_name("Dataset", "missing") is None
    assert sorted(a.id for a in store.get_artifacts()) == sorted(ids)
    assert len(store.get_artifacts(ListOptions(limit=1))) == 1


def test_opens_an_sqlite_url_and_closes_as_a_context_manager(tmp_path: Any) -> None:
    with mdstore.MetadataStore(f"sqlite:///{tmp_path}/md.db") as opened:
        type_id = _dataset_type(opened)
    with mdstore.MetadataStore(f"sqlite:///{tmp_path}/md.db", create_if_empty=False) as reopened:
        assert reopened.get_artifact_type("Dataset").id == type_id


def test_store_errors_propagate(store: Any) -> None:
    with pytest.raises(NotFoundError):
        store.get_artifact_type("NoSuchType")


def test_put_execution_links_artifacts_and_contexts(store: Any) -> None:
    dataset_type = _dataset_type(store)
    trainer_type = store.put_execution_type(mlmd.ExecutionType(name="Trainer"))
    run_type = store.put_context_type(mlmd.ContextType(name="Run"))
    execution_id, artifact_ids, context_ids = store.put_execution(
        mlmd.Execution(type_id=trainer_type),
        [(mlmd.Artifact(type_id=dataset_type, uri="s3://b/d"), mlmd.Event(type=mlmd.Event.INPUT))],
        [mlmd.Context(type_id=run_type, name="run-1")],
    )
    [event] = store.get_events_by_execution_ids([execution_id])
    assert (event.artifact_id, event.type) == (artifact_ids[0], mlmd.Event.INPUT)
    assert [c.id for c in store.get_contexts_by_execution(execution_id)] == context_ids
    assert [a.id for a in store.get_artifacts_by_context(context_ids[0])] == artifact_ids


def test_lineage_subgraph_honours_the_field_mask(store: Any) -> None:
    dataset_type = _dataset_type(store)
    trainer_type = store.put_execution_type(mlmd.ExecutionType(name="Trainer"))
    execution_id, [data_id, model_id], _ = store.put_execution(
        mlmd.Execution(type_id=trainer_type),
        [
            (mlmd.Artifact(type_id=dataset_type, uri="d"), mlmd.Event(type=mlmd.Event.INPUT)),
            (mlmd.Artifact(type_id=dataset_type, uri="m"), mlmd.Event(type=mlmd.Event.OUTPUT)),
        ],
        None,
    )
    query = mlmd.LineageSubgraphQueryOptions(
        starting_artifacts=mlmd.LineageSubgraphQueryOptions.StartingNodes(
            filter_query=f"id = {model_id}"
        ),
        max_num_hops=2,
    )
    graph = store.get_lineage_subgraph(query)
    assert sorted(a.id for a in graph.artifacts) == sorted([data_id, model_id])
    assert [e.id for e in graph.executions] == [execution_id]
    assert len(graph.events) == 2
    assert [t.name for t in graph.artifact_types] == ["Dataset"]
    assert [t.name for t in graph.execution_types] == ["Trainer"]

    only_artifacts = store.get_lineage_subgraph(query, ["artifacts"])
    assert len(only_artifacts.artifacts) == 2
    assert not only_artifacts.events
    assert not only_artifacts.executions
    assert not only_artifacts.artifact_types
    # Full nodes, though the server dehydrates nodes a read_mask names.
    assert sorted(a.uri for a in only_artifacts.artifacts) == ["d", "m"]

    only_events = store.get_lineage_subgraph(query, ["events", "execution_types"])
    assert len(only_events.events) == 2
    assert [t.name for t in only_events.execution_types] == ["Trainer"]
    assert not only_events.artifacts
    assert not only_events.executions


def test_messages_from_another_descriptor_pool_are_accepted(store: Any) -> None:
    # ml_metadata's own classes are such "foreign" classes with the same wire format.
    data = resources.files("mdstore.proto").joinpath("descriptor_set.binpb").read_bytes()
    foreign_pool = descriptor_pool.DescriptorPool()
    for file_proto in descriptor_pb2.FileDescriptorSet.FromString(data).file:
        foreign_pool.Add(file_proto)
    foreign_cls = message_factory.GetMessageClass(
        foreign_pool.FindMessageTypeByName("ml_metadata.ArtifactType")
    )
    assert foreign_cls is not mlmd.ArtifactType
    type_id = store.put_artifact_type(foreign_cls(name="Foreign"))
    assert store.get_artifact_types_by_id([type_id])[0].name == "Foreign"


def test_shared_backend_outlives_the_store(tmp_path: Any) -> None:
    backend = Service(f"sqlite:///{tmp_path}/md.db")
    try:
        with mdstore.MetadataStore(backend) as first:
            type_id = _dataset_type(first)
        assert "md.db" in repr(first)
        assert (
            mdstore.MetadataStore(backend).get_artifact_types_by_id([type_id])[0].name == "Dataset"
        )
    finally:
        backend.close()
