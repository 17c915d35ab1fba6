"""The embedded ``mdstore.MetadataStore``: ml_metadata's surface, opening a database
URL, sharing a ``Service``, messages of another descriptor pool. What its methods
do is the contract suite's (tests/service), over gRPC too.

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
    assert public - set(MLMD_SIGNATURES) == {
        "close",
        "get_lineage_graph",
        # provenance (mdstore.v1)
        "trace",
        "impact",
        "lineage_path",
        "lineage_diff",
        "delete_artifacts",
        "delete_executions",
        "delete_contexts",
        "garbage_collect",
        # model registry (mdstore.v1)
        "create_registered_model",
        "set_model_policy",
        "get_registered_model",
        "register_model_version",
        "get_model_versions",
        "set_alias",
        "get_alias_history",
        "resolve_model",
        "deploy",
        "stop_deployment",
        "get_deployments",
        "annotate",
        "get_annotations",
    }
    assert isinstance(inspect.getattr_static(mdstore.MetadataStore, "pipeline_asset"), property)


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


# ---------------------------------------------------------------- opening and sharing


def _dataset_type(store: Any) -> int:
    dataset_type = mlmd.ArtifactType(name="Dataset", properties={"rows": INT})
    return int(store.put_artifact_type(dataset_type))


def test_opens_an_sqlite_url_and_closes_as_a_context_manager(tmp_path: Any) -> None:
    with mdstore.MetadataStore(f"sqlite:///{tmp_path}/md.db") as opened:
        type_id = _dataset_type(opened)
    with mdstore.MetadataStore(f"sqlite:///{tmp_path}/md.db", create_if_empty=False) as reopened:
        assert reopened.get_artifact_type("Dataset").id == type_id


def test_messages_from_another_descriptor_pool_are_accepted(store: Any) -> None:
    # ``store`` (tests/conftest.py): the embedded MetadataStore, on each backend in turn.
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


def test_a_shared_service_outlives_the_store(tmp_path: Any) -> None:
    service = Service(f"sqlite:///{tmp_path}/md.db")
    try:
        with mdstore.MetadataStore(service) as first:
            type_id = _dataset_type(first)
        assert "md.db" in repr(first)
        assert (
            mdstore.MetadataStore(service).get_artifact_types_by_id([type_id])[0].name == "Dataset"
        )
    finally:
        service.close()
