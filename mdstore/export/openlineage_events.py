"""OpenLineage RunEvents through ``openlineage-python``: one event per execution,
as JSON lines, oldest first.

An execution is a run of the job named by its type (run ids are UUIDs derived
from the store's ids, so exporting twice gives the same ids); its input and
output artifacts are datasets named after their URI (``s3://bucket/key`` ->
namespace ``s3://bucket``, name ``/key``), each with a ``datasetVersion`` facet
(the content digest, else the model version, else the artifact id) and, where a
``schema`` property lists columns, a ``schema`` facet.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Final
from urllib.parse import urlsplit

from google.protobuf import json_format
from openlineage.client.event_v2 import (
    InputDataset,
    Job,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
)
from openlineage.client.facet_v2 import dataset_version_dataset, schema_dataset
from openlineage.client.serde import Serde

from mdstore.export.lineage import Lineage, version
from mdstore.wire import mlmd
from mdstore.wire.event_types import INPUT_EVENTS, OUTPUT_EVENTS
from mdstore.wire.values import digest

PRODUCER: Final = "https://github.com/mdstore/mdstore"
JOB_NAMESPACE: Final = "mdstore"
_RUN_IDS: Final = uuid.UUID("6d2b6f0e-2f6c-4c5e-9d8a-3f1f0b7c9a11")  # names mdstore's run ids
_STATES: Final = {
    mlmd.Execution.State.Value("COMPLETE"): RunState.COMPLETE,
    mlmd.Execution.State.Value("CACHED"): RunState.COMPLETE,
    mlmd.Execution.State.Value("FAILED"): RunState.FAIL,
    mlmd.Execution.State.Value("CANCELED"): RunState.ABORT,
    mlmd.Execution.State.Value("RUNNING"): RunState.RUNNING,
    mlmd.Execution.State.Value("NEW"): RunState.START,
}


def render(lineage: Lineage) -> bytes:
    """One RunEvent per execution as JSON lines, ordered by the executions' times."""
    executions = sorted(
        lineage.executions.values(), key=lambda e: (e.last_update_time_since_epoch, e.id)
    )
    return "".join(Serde.to_json(_event(lineage, e)) + "\n" for e in executions).encode()


def run_id(execution_id: int) -> str:
    """The stable UUID of an execution's run."""
    return str(uuid.uuid5(_RUN_IDS, f"execution/{execution_id}"))


def _event(lineage: Lineage, execution: Any) -> RunEvent:
    read = _datasets(lineage, execution.id, INPUT_EVENTS)
    written = _datasets(lineage, execution.id, OUTPUT_EVENTS)
    return RunEvent(
        eventType=_STATES.get(execution.last_known_state, RunState.OTHER),
        eventTime=_time(
            execution.last_update_time_since_epoch or execution.create_time_since_epoch
        ),
        run=Run(runId=run_id(execution.id)),
        job=Job(namespace=JOB_NAMESPACE, name=execution.type or f"execution-{execution.id}"),
        producer=PRODUCER,
        inputs=[InputDataset(*_names(a), facets=_facets(a)) for a in read],
        outputs=[OutputDataset(*_names(a), facets=_facets(a)) for a in written],
    )


def _datasets(lineage: Lineage, execution_id: int, types: frozenset[int]) -> list[Any]:
    """The artifacts an execution read (or wrote), once each, in event order."""
    ids = [
        e.artifact_id for e in lineage.events if e.execution_id == execution_id and e.type in types
    ]
    return [lineage.artifacts[i] for i in dict.fromkeys(ids) if i in lineage.artifacts]


def _time(millis: int) -> str:
    when = datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _names(artifact: Any) -> tuple[str, str]:
    """(namespace, name) by OpenLineage's naming: the URI's scheme and authority, its path."""
    parts = urlsplit(artifact.uri)
    if parts.scheme and (parts.netloc or parts.path):
        namespace = f"{parts.scheme}://{parts.netloc}" if parts.netloc else parts.scheme
        return namespace, parts.path or "/"
    return JOB_NAMESPACE, f"artifact/{artifact.id}"


def _facets(artifact: Any) -> dict[str, Any]:
    stamp = digest(artifact) or version(artifact) or f"artifact/{artifact.id}"
    facets: dict[str, Any] = {
        "version": dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=stamp)
    }
    fields = _schema_fields(artifact)
    if fields:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(fields=fields)
    return facets


def _schema_fields(artifact: Any) -> list[Any]:
    """Columns from a ``schema`` property holding ``{"columns": [{"name", "dtype"}...]}``."""
    for values in (artifact.properties, artifact.custom_properties):
        if "schema" in values and values["schema"].WhichOneof("value") == "struct_value":
            schema = json_format.MessageToDict(values["schema"].struct_value)
            columns = schema.get("columns") if isinstance(schema, dict) else None
            if isinstance(columns, list):
                return [
                    schema_dataset.SchemaDatasetFacetFields(
                        name=str(column["name"]),
                        type=str(column.get("dtype") or column.get("type") or ""),
                    )
                    for column in columns
                    if isinstance(column, dict) and "name" in column
                ]
    return []
