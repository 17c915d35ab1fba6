"""mdstore_client and ml_metadata in one interpreter, in either import order, working together.

Under protobuf 4.25 (the `.venv-mlmd` venv, with the real ml-metadata 1.17.1), each
import order runs in a fresh interpreter against a real `mdstore serve`: ml_metadata
writes what mdstore_client reads and the other way round, and messages cross between
the two descriptor pools as bytes. Under the newest protobuf (the project's .venv,
where ml-metadata cannot be installed), the `ml_metadata.*` messages are registered in
protobuf's default pool exactly as ml-metadata's generated modules do, before or after
importing mdstore_client, and the embedded client then works beside them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.compat import mlmd_venv

pytestmark = [pytest.mark.compat, pytest.mark.xdist_group("compat")]

IMPORTS = {
    "ml_metadata_first": "import ml_metadata\nimport mdstore_client\n",
    "mdstore_client_first": "import mdstore_client\nimport ml_metadata\n",
}

INTEROP = r"""
import sys
import google.protobuf
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as service_pb

assert google.protobuf.__version__.startswith("4.25."), google.protobuf.__version__
host, port, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = metadata_store.MetadataStore(pb.MetadataStoreClientConfig(host=host, port=port))
client = mdstore_client.connect(f"{host}:{port}")

# ml_metadata writes, mdstore_client reads.
dataset_type = pb.ArtifactType(name="Dataset")
dataset_type.properties["rows"] = pb.INT
type_id = store.put_artifact_type(dataset_type)
theirs = pb.Artifact(type_id=type_id, uri="s3://data", name=f"data-{tag}")
theirs.properties["rows"].int_value = 5
[data_id] = store.put_artifacts([theirs])
data = client.artifact(data_id)
assert (data.type, data.name, data.properties) == ("Dataset", f"data-{tag}", {"rows": 5})

# mdstore_client writes (one declaration shared with ml_metadata's), ml_metadata reads.
assert client.artifact_type("Dataset", properties={"rows": int}).id == type_id
client.artifact_type("Model", properties={"auc": float})
with client.run("trainer", pipeline="p", run=tag, params={"lr": 0.1}) as run:
    run.input(data)
    model = run.output("Model", uri="s3://model", properties={"auc": 0.9})
[execution] = store.get_executions_by_id([run.execution.id])
assert execution.last_known_state == pb.Execution.COMPLETE
assert execution.properties["lr"].double_value == 0.1
events = {(e.artifact_id, e.type) for e in store.get_events_by_execution_ids([execution.id])}
assert events == {(data_id, pb.Event.INPUT), (model.id, pb.Event.OUTPUT)}
assert store.get_context_by_type_and_name("pipeline_run", f"p/{tag}") is not None

# Messages cross the two descriptor pools as bytes.
from mdstore.wire import mlmd
ours = client.call("GetArtifactsByID", mlmd.GetArtifactsByIDRequest(artifact_ids=[model.id]))
[copy] = service_pb.GetArtifactsByIDResponse.FromString(ours.SerializeToString()).artifacts
assert store.get_artifacts_by_id([model.id])[0] == copy
print("interop ok")
"""

NEWEST_PROTOBUF = r"""
import sys
import tempfile
from importlib import resources
from google.protobuf import descriptor_pb2, descriptor_pool, field_mask_pb2, message_factory
from google.protobuf import any_pb2, struct_pb2  # noqa: F401  (dependencies of the files)

def register_like_ml_metadata():
    data = resources.files("mdstore.proto").joinpath("descriptor_set.binpb").read_bytes()
    for file in descriptor_pb2.FileDescriptorSet.FromString(data).file:
        if file.name.startswith("ml_metadata/"):
            descriptor_pool.Default().AddSerializedFile(file.SerializeToString())
    found = descriptor_pool.Default().FindMessageTypeByName("ml_metadata.Artifact")
    return message_factory.GetMessageClass(found)

"""

NEWEST_USE = r"""
folder = tempfile.mkdtemp()
client = mdstore_client.connect(f"sqlite:///{folder}/md.db")
client.artifact_type("Model", properties={"auc": float, "config": dict})
made = client.put_artifact("Model", uri="s3://m", properties={"auc": 0.5, "config": {"C": 1}})
from mdstore.wire import mlmd
ours = client.call("GetArtifactsByID", mlmd.GetArtifactsByIDRequest(artifact_ids=[made.id]))
copy = DefaultPoolArtifact.FromString(ours.artifacts[0].SerializeToString())
assert copy.properties["config"].struct_value["C"] == 1
assert type(copy) is not type(ours.artifacts[0])
print("coexist ok")
"""

NEWEST_ORDERS = {
    "default_pool_first": NEWEST_PROTOBUF
    + "DefaultPoolArtifact = register_like_ml_metadata()\nimport mdstore_client\n"
    + NEWEST_USE,
    "mdstore_client_first": NEWEST_PROTOBUF
    + "import mdstore_client\nDefaultPoolArtifact = register_like_ml_metadata()\n"
    + NEWEST_USE,
}


@pytest.fixture
def backend_name() -> str:
    """The database behind `mdstore_server`: SQLite; this is about imports, not databases."""
    return "sqlite"


@pytest.mark.parametrize("order", sorted(IMPORTS))
def test_client_beside_ml_metadata_on_protobuf_4_25(
    mlmd_python: Path, mdstore_server: tuple[str, int], order: str
) -> None:
    host, port = mdstore_server
    result = mlmd_venv.run_python(IMPORTS[order] + INTEROP, host, str(port), order)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "interop ok" in result.stdout


@pytest.mark.parametrize("order", sorted(NEWEST_ORDERS))
def test_client_beside_default_pool_messages_on_newest_protobuf(order: str) -> None:
    result = mlmd_venv.run_python(NEWEST_ORDERS[order], python=sys.executable)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "coexist ok" in result.stdout
