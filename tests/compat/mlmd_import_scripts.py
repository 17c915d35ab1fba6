"""Scripts run by ml-metadata 1.17.1 itself (in .venv-mlmd) for the import tests:
``WRITE`` fills an MLMD database with every entity kind and value kind; ``DUMP``
prints every read answer, as JSON lines, from a database or a server."""

from __future__ import annotations

CONNECT = r"""
import json, sys
from google.protobuf import json_format, any_pb2
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

def connect(where):
    kind, _, rest = where.partition(":")
    if kind == "sqlite":
        config = pb.ConnectionConfig()
        config.sqlite.filename_uri = rest
        config.sqlite.connection_mode = 3
        return metadata_store.MetadataStore(config)
    if kind == "postgres":
        host, port, database = rest.split(":")
        config = pb.ConnectionConfig()
        config.postgresql.host, config.postgresql.port = host, port
        config.postgresql.dbname, config.postgresql.user = database, "postgres"
        return metadata_store.MetadataStore(config)
    if kind == "mysql":
        host, port, database = rest.split(":")
        config = pb.ConnectionConfig()
        config.mysql.host, config.mysql.port = host, int(port)
        config.mysql.database, config.mysql.user = database, "root"
        return metadata_store.MetadataStore(config)
    host, port = rest.split(":")
    config = pb.MetadataStoreClientConfig(host=host, port=int(port))
    # GetArtifacts without options answers every artifact in one message.
    config.channel_arguments.max_receive_message_length = 512 * 1024 * 1024
    return metadata_store.MetadataStore(config)
"""

WRITE = (
    CONNECT
    + r"""
store = connect(sys.argv[1])
many = int(sys.argv[2])
examples = pb.ArtifactType(name="Examples", version="v1", description="split data",
                           base_type=pb.ArtifactType.DATASET, external_id="type-examples")
for name, kind in (("span", pb.INT), ("ratio", pb.DOUBLE), ("split", pb.STRING),
                   ("schema", pb.STRUCT), ("payload", pb.PROTO), ("ok", pb.BOOLEAN)):
    examples.properties[name] = kind
examples_id = store.put_artifact_type(examples)
model_id = store.put_artifact_type(pb.ArtifactType(name="Model", base_type=pb.ArtifactType.MODEL))
trainer = pb.ExecutionType(name="Trainer", base_type=pb.ExecutionType.TRAIN)
trainer.properties["lr"] = pb.DOUBLE
trainer.input_type.any.CopyFrom(pb.AnyArtifactStructType())
trainer_id = store.put_execution_type(trainer)
run_type = pb.ContextType(name="PipelineRun")
run_type.properties["owner"] = pb.STRING
run_id = store.put_context_type(run_type)
pipeline_id = store.put_context_type(pb.ContextType(name="Pipeline"))

def examples_artifact(i):
    a = pb.Artifact(type_id=examples_id, uri=f"gs://bucket/examples/{i}", name=f"examples-{i}",
                    state=pb.Artifact.LIVE)
    a.properties["span"].int_value = i
    a.properties["ratio"].double_value = i / 7
    a.properties["split"].string_value = "train" if i % 2 else "eval"
    a.properties["schema"].struct_value.update({"columns": ["a", "b"], "n": i})
    payload = any_pb2.Any(); payload.Pack(pb.Artifact(uri=f"inner-{i}"))
    a.properties["payload"].proto_value.CopyFrom(payload)
    a.properties["ok"].bool_value = bool(i % 3)
    a.custom_properties["owner"].string_value = "data-team"
    a.custom_properties["rows"].int_value = 100 + i
    if i % 5 == 0:
        a.external_id = f"ext-examples-{i}"
    return a

pipeline = pb.Context(type_id=pipeline_id, name="churn", external_id="ext-pipeline")
[pipeline.id] = store.put_contexts([pipeline])
for run in range(3):
    data = examples_artifact(run)
    execution = pb.Execution(type_id=trainer_id, name=f"train-{run}",
                             last_known_state=pb.Execution.COMPLETE)
    execution.properties["lr"].double_value = 0.1 * (run + 1)
    execution.custom_properties["image"].string_value = "trainer:1.2"
    model = pb.Artifact(type_id=model_id, uri=f"gs://bucket/model/{run}")
    model.custom_properties["accuracy"].double_value = 0.9 + run / 100
    context = pb.Context(type_id=run_id, name=f"run-{run}")
    context.properties["owner"].string_value = "ana"
    read = pb.Event(type=pb.Event.INPUT)
    read.path.steps.add().key = "examples"
    read.path.steps.add().index = run
    wrote = pb.Event(type=pb.Event.OUTPUT)
    wrote.path.steps.add().key = "model"
    _, _, [context_id] = store.put_execution(execution, [(data, read), (model, wrote)], [context])
    store.put_parent_contexts([pb.ParentContext(child_id=context_id, parent_id=pipeline.id)])
batch = []
for i in range(3, 3 + many):
    batch.append(examples_artifact(i))
    if len(batch) == 1000:
        store.put_artifacts(batch)
        batch = []
if batch:
    store.put_artifacts(batch)
print("written")
"""
)

DUMP = (
    CONNECT
    + r"""
store = connect(sys.argv[1])
full = sys.argv[2] == "full"


def out(name, call):
    try:
        found = call()
    except Exception as e:  # the same error must come back from mdstore
        print(json.dumps({"call": name, "error": type(e).__name__}))
        return
    rows = sorted(json_format.MessageToJson(m, sort_keys=True, indent=None) for m in found)
    print(json.dumps({"call": name, "answer": rows}))


out("artifact_types", store.get_artifact_types)
out("execution_types", store.get_execution_types)
out("context_types", store.get_context_types)
# Without list options the order is the backend's: visit nodes by id.
artifacts = sorted(store.get_artifacts(), key=lambda a: a.id)
executions = sorted(store.get_executions(), key=lambda e: e.id)
contexts = sorted(store.get_contexts(), key=lambda c: c.id)
out("artifacts", lambda: artifacts if full else [a for a in artifacts if a.id <= 50])
print(json.dumps({"call": "artifact count", "answer": len(artifacts)}))
out("executions", lambda: executions)
out("contexts", lambda: contexts)
ids = [a.id for a in artifacts][:200]
out("artifacts_by_id", lambda: store.get_artifacts_by_id(ids))
out("executions_by_id", lambda: store.get_executions_by_id([e.id for e in executions]))
out("contexts_by_id", lambda: store.get_contexts_by_id([c.id for c in contexts]))
out("events_by_artifact", lambda: store.get_events_by_artifact_ids(ids))
out("events_by_execution", lambda: store.get_events_by_execution_ids([e.id for e in executions]))
for t in store.get_artifact_types():
    out(f"by type {t.name}", lambda: store.get_artifacts_by_type(t.name, t.version or None)[:100])
out("by uri", lambda: store.get_artifacts_by_uri("gs://bucket/examples/7"))
out("by external id", lambda: store.get_artifacts_by_external_ids(["ext-examples-5"]))
out("type by external id", lambda: store.get_artifact_types_by_external_ids(["type-examples"]))
by_name = store.get_artifact_by_type_and_name
out("artifact by type and name", lambda: [by_name("Examples", "examples-4", "v1")])
for c in contexts:
    out(f"artifacts of context {c.id}", lambda: store.get_artifacts_by_context(c.id))
    out(f"executions of context {c.id}", lambda: store.get_executions_by_context(c.id))
    out(f"parents of context {c.id}", lambda: store.get_parent_contexts_by_context(c.id))
    out(f"children of context {c.id}", lambda: store.get_children_contexts_by_context(c.id))
for e in executions:
    out(f"contexts of execution {e.id}", lambda: store.get_contexts_by_execution(e.id))
for a in artifacts[:10]:
    out(f"contexts of artifact {a.id}", lambda: store.get_contexts_by_artifact(a.id))
query = "properties.span.int_value < 20 AND custom_properties.owner.string_value = 'data-team'"
options = metadata_store.ListOptions(filter_query=query)
out("filtered", lambda: store.get_artifacts(list_options=options))
"""
)
