"""The same breast-cancer pipeline, reporting through the unchanged ml-metadata client.

This shows mdstore's wire compatibility: the steps, files and runs are exactly those
of ``train_pipeline.py``; only the reporting goes through Google's ``ml_metadata``
package (1.17.1, protobuf 4.25) to ``mdstore serve``. Run it with a Python that has
ml-metadata and scikit-learn (the repository's ``.venv-mlmd``)::

    .venv/bin/mdstore serve --db sqlite:///md.db --port 8080 &
    .venv-mlmd/bin/python examples/mlmd_client_pipeline.py --port 8080 --workdir /tmp/work

``MlmdRecorder`` gives the pipeline the four calls it reports with (``artifact_type``,
``put_artifact``, ``run`` -> ``input``/``output``), written with plain
``ml_metadata.MetadataStore`` calls and ``metadata_store_pb2`` messages.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

from breast_cancer.pipeline import declare_types, run_pipeline
from breast_cancer.runs import RUNS

PROPERTY_TYPES = {bool: pb.BOOLEAN, int: pb.INT, float: pb.DOUBLE, str: pb.STRING, dict: pb.STRUCT}


def sha256_of(uri: str) -> str | None:
    """SHA-256 of a local file URI (the same custom property mdstore_client records)."""
    path = Path(uri.removeprefix("file://"))
    if not uri.startswith("file://") or not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def set_values(target: Any, values: dict[str, Any]) -> None:
    """Fills a map<string, Value> from Python values."""
    for name, value in values.items():
        if isinstance(value, bool):
            target[name].bool_value = value
        elif isinstance(value, int):
            target[name].int_value = value
        elif isinstance(value, float):
            target[name].double_value = value
        elif isinstance(value, dict):
            target[name].struct_value.update(value)
        else:
            target[name].string_value = str(value)


class Recorded:
    """An artifact as the pipeline sees it: its message, id, URI and properties."""

    def __init__(self, message: Any, properties: dict[str, Any]) -> None:
        self.message = message
        self.properties = properties

    @property
    def id(self) -> int:
        return int(self.message.id)

    @property
    def uri(self) -> str:
        return str(self.message.uri)


class MlmdRecorder:
    """The pipeline's reporting calls, on top of ``ml_metadata.MetadataStore``."""

    def __init__(self, store: metadata_store.MetadataStore) -> None:
        self.store = store
        self.type_ids: dict[str, int] = {}

    def artifact_type(self, name: str, properties: dict[str, type]) -> None:
        declared = pb.ArtifactType(name=name)
        for key, kind in properties.items():
            declared.properties[key] = PROPERTY_TYPES[kind]
        self.type_ids[name] = self.store.put_artifact_type(
            declared, can_add_fields=True, can_omit_fields=True
        )

    def put_artifact(
        self, type_name: str, *, uri: str, name: str, properties: dict[str, Any]
    ) -> Recorded:
        digest = sha256_of(uri)
        stored = self.store.get_artifact_by_type_and_name(type_name, name)
        stored_digest = stored.custom_properties["sha256"].string_value if stored else None
        if stored is not None and stored.uri == uri and stored_digest == (digest or ""):
            return Recorded(stored, properties)  # registered before: reuse it
        artifact = pb.Artifact(
            type_id=self.type_ids[type_name], uri=uri, name=name, state=pb.Artifact.LIVE
        )
        set_values(artifact.properties, properties)
        if digest:
            artifact.custom_properties["sha256"].string_value = digest
        [artifact.id] = self.store.put_artifacts([artifact])
        return Recorded(artifact, properties)

    def run(self, step: str, *, pipeline: str, run: str, params: dict[str, Any]) -> MlmdRun:
        return MlmdRun(self, step, pipeline, run, params)


class MlmdRun:
    """One execution, written with one ``put_execution`` when the block ends."""

    def __init__(self, recorder: MlmdRecorder, step: str, pipeline: str, run: str,
                 params: dict[str, Any]) -> None:  # fmt: skip
        self.recorder, self.step, self.params = recorder, step, params
        self.pipeline, self.run_id = pipeline, run
        self.inputs: list[tuple[Recorded, str | None]] = []
        self.outputs: list[tuple[Recorded, str | None]] = []

    def __enter__(self) -> MlmdRun:
        store = self.recorder.store
        step_type = pb.ExecutionType(name=self.step)
        for key, value in self.params.items():
            step_type.properties[key] = PROPERTY_TYPES[type(value)]
        self.type_id = store.put_execution_type(
            step_type, can_add_fields=True, can_omit_fields=True
        )
        self.pipeline_type = store.put_context_type(pb.ContextType(name="pipeline"))
        run_type = pb.ContextType(name="pipeline_run")
        run_type.properties["pipeline"] = pb.STRING
        run_type.properties["run_id"] = pb.STRING
        self.run_type = store.put_context_type(run_type, can_add_fields=True, can_omit_fields=True)
        return self

    def input(self, artifact: Recorded, key: str | None = None) -> Recorded:
        self.inputs.append((artifact, key))
        return artifact

    def output(self, type_name: str, *, uri: str, properties: dict[str, Any],
               key: str | None = None) -> Recorded:  # fmt: skip
        artifact = pb.Artifact(
            type_id=self.recorder.type_ids[type_name], uri=uri, state=pb.Artifact.LIVE
        )
        set_values(artifact.properties, properties)
        recorded = Recorded(artifact, properties)
        self.outputs.append((recorded, key))
        return recorded

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> bool:  # fmt: skip
        execution = pb.Execution(type_id=self.type_id)
        set_values(execution.properties, self.params)
        execution.last_known_state = pb.Execution.COMPLETE if exc is None else pb.Execution.FAILED
        if exc is not None:
            execution.custom_properties["error"].string_value = f"{type(exc).__name__}: {exc}"
        pairs = self._events(pb.Event.INPUT, self.inputs)
        if exc is None:  # a failed step's outputs may be incomplete: leave them out
            for recorded, _ in self.outputs:
                digest = sha256_of(recorded.uri)
                if digest:
                    recorded.message.custom_properties["sha256"].string_value = digest
            pairs += self._events(pb.Event.OUTPUT, self.outputs)
        run_name = f"{self.pipeline}/{self.run_id}"
        contexts = [
            pb.Context(type_id=self.pipeline_type, name=self.pipeline),
            pb.Context(type_id=self.run_type, name=run_name),
        ]
        set_values(contexts[1].properties, {"pipeline": self.pipeline, "run_id": self.run_id})
        _, artifact_ids, _ = self.recorder.store.put_execution(
            execution, pairs, contexts, reuse_context_if_already_exist=True
        )
        if exc is None:
            output_ids = artifact_ids[len(self.inputs) :]
            for (recorded, _), artifact_id in zip(self.outputs, output_ids, strict=True):
                recorded.message.id = artifact_id
        return False

    def _events(self, event_type: int, artifacts: list[tuple[Recorded, str | None]]) -> list[Any]:
        stored = {a.id: a for a in self.recorder.store.get_artifacts_by_id(
            [r.id for r, _ in artifacts if r.message.HasField("id")])}  # fmt: skip
        pairs = []
        for recorded, key in artifacts:
            event = pb.Event(type=event_type)
            if key:
                event.path.steps.add(key=key)
            pairs.append((stored.get(recorded.id, recorded.message), event))
        return pairs


def trace(store: metadata_store.MetadataStore, artifact_id: int) -> list[str]:
    """Walks a model back to its source with plain MLMD calls; one line per hop."""
    lines, frontier = [], [artifact_id]
    while frontier:
        [artifact] = store.get_artifacts_by_id(frontier[:1])
        lines.append(f"{artifact.type} {artifact.uri.rsplit('/', 1)[-1]}")
        produced = [
            e for e in store.get_events_by_artifact_ids([artifact.id]) if e.type == pb.Event.OUTPUT
        ]
        if not produced:
            break
        [execution] = store.get_executions_by_id([produced[0].execution_id])
        lines.append(f"  <- {execution.type} (execution {execution.id})")
        events = store.get_events_by_execution_ids([execution.id])
        frontier = [e.artifact_id for e in events if e.type == pb.Event.INPUT]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--workdir", type=Path, default=Path("pipeline-work-mlmd"))
    args = parser.parse_args(argv)
    config = pb.MetadataStoreClientConfig(host=args.host, port=args.port)
    store = metadata_store.MetadataStore(config)
    recorder = MlmdRecorder(store)
    declare_types(recorder)
    workdir = args.workdir.resolve()
    for run_config in RUNS:
        result = run_pipeline(recorder, workdir, run_config)
        metrics = result.metrics
        print(f"{run_config.name:<12} accuracy {metrics['accuracy']:.4f}  auc {metrics['auc']:.4f}")
    print("\nthe last model, traced back with ml_metadata calls:")
    print("\n".join(trace(store, result.artifacts["model"].id)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
