"""A store holding a row of every audited table, and which request wrote each.

``write_everything(service)`` writes, through the service (so every write is
audited): types, artifacts with properties, an execution with an input event
whose path has a step, contexts with properties, attributions, associations, a
parent context, an update (a node_history row), a deletion (a tombstone) and a
model's registry rows (policy, version, alias change, deployment, annotation).
``Written.seq[name]`` is the audit entry the request named ``name`` appended,
read from the chain's head right after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mdstore.embedded.store import MetadataStore
from mdstore.service.dispatch import Service
from mdstore.store.audit import chain
from mdstore.wire import mlmd, v1
from tests.helpers.training import train
from tests.helpers.types import INT, STRING

INPUT, OUTPUT = 3, 4


@dataclass
class Written:
    """Ids of what was written, and the audit entry of each named request."""

    ids: dict[str, int] = field(default_factory=dict)
    seq: dict[str, int] = field(default_factory=dict)


def head_seq(service: Service) -> int:
    with service.database.engine.connect() as conn:
        found = chain.head(conn)
    assert found is not None
    return found[0]


def write_everything(service: Service) -> Written:
    store = MetadataStore(service)
    out = Written()

    def step(name: str, write: Callable[[], Any]) -> Any:
        result = write()
        out.seq[name] = head_seq(service)
        return result

    data_type = mlmd.ArtifactType(name="AuditData", description="data")
    data_type.properties["rows"] = INT
    out.ids["data_type"] = step("types", lambda: store.put_artifact_type(data_type))
    step_type = mlmd.ExecutionType(name="AuditStep")
    step_type.properties["lr"] = STRING
    run_type = mlmd.ContextType(name="AuditRun")
    run_type.properties["owner"] = STRING
    exe_type = store.put_execution_type(step_type)
    ctx_type = store.put_context_type(run_type)

    data = mlmd.Artifact(type_id=out.ids["data_type"], uri="s3://data", name="data")
    data.properties["rows"].int_value = 5
    [out.ids["data"]] = step("put_artifacts", lambda: store.put_artifacts([data]))
    data.id = out.ids["data"]

    execution = mlmd.Execution(type_id=exe_type, name="train", last_known_state=3)
    execution.properties["lr"].string_value = "0.1"
    event = mlmd.Event(type=INPUT)
    event.path.steps.add().key = "train"
    model = mlmd.Artifact(type_id=out.ids["data_type"], uri="s3://model")
    run = mlmd.Context(type_id=ctx_type, name="run-1")
    run.properties["owner"].string_value = "ana"
    reads = mlmd.Artifact()
    reads.CopyFrom(data)
    exe_id, (_, model_id), (run_id,) = step(
        "put_execution",
        lambda: store.put_execution(
            execution, [(reads, event), (model, mlmd.Event(type=OUTPUT))], [run]
        ),
    )
    out.ids.update(execution=exe_id, model=model_id, run=run_id)
    parent, other = (mlmd.Context(type_id=ctx_type, name=n) for n in ("project", "other"))
    out.ids["parent"], out.ids["other"] = store.put_contexts([parent, other])
    link = mlmd.ParentContext(child_id=run_id, parent_id=out.ids["parent"])
    step("parent_context", lambda: store.put_parent_contexts([link]))

    data.uri = "s3://data-v2"
    step("update", lambda: store.put_artifacts([data]))  # keeps the old version
    scratch = mlmd.Artifact(type_id=out.ids["data_type"], uri="s3://scratch")
    [out.ids["scratch"]] = store.put_artifacts([scratch])
    request = v1.DeleteRequest(kind=1, ids=[out.ids["scratch"]], reason="test")
    step("delete", lambda: service.call("Delete", request))

    _write_registry(service, store, out, step)
    return out


def _write_registry(service: Service, store: MetadataStore, out: Written, step: Any) -> None:
    def call(name: str, method: str, request: Any) -> Any:
        return step(name, lambda: service.call(method, request))

    call(
        "create_model",
        "CreateRegisteredModel",
        v1.CreateRegisteredModelRequest(name="m", policy=v1.ModelPolicy(metric="accuracy")),
    )
    call(
        "set_policy",
        "SetModelPolicy",
        v1.SetModelPolicyRequest(name="m", policy=v1.ModelPolicy(metric="accuracy"), reason="r"),
    )
    out.ids["registered"] = train(store, lr="0.2")
    register = v1.RegisterModelVersionRequest(name="m", artifact_id=out.ids["registered"])
    version = call("register", "RegisterModelVersion", register).version.version
    alias = v1.SetAliasRequest(name="m", alias="production", version=version, reason="go")
    call("alias", "SetAlias", alias)
    deploy = v1.DeployRequest(
        name="m", version=version, environment="prod", pattern=1, reason="ship"
    )
    call("deploy", "Deploy", deploy)
    note = v1.AnnotateRequest(name="m", version=version, text="looks good", url="")
    call("annotate", "Annotate", note)
