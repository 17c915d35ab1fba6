"""``client.run(...)``: report one execution of a pipeline step, atomically.

Everything the block reports is buffered and written by ONE ``PutExecution`` when
the block ends, so the store never holds half a run:

* the block ends normally: the execution (state COMPLETE), an INPUT event per
  ``run.input()``, an OUTPUT event and a new artifact per ``run.output()``;
* the block raises: the execution (state FAILED, or CANCELED for
  KeyboardInterrupt & co) with the error in the custom property ``error``, and its
  INPUT events; no outputs, since they may be incomplete. The error is re-raised.

Both times the execution is associated with the ``pipeline`` context (named after
the pipeline) and the ``pipeline_run`` context (``<pipeline>/<run>``), and its
artifacts attributed to them; both contexts are created on first use and reused
after (``reuse_context_if_already_exist``). Output files and directories named by
local URIs get their SHA-256 digest when the block ends, after they were written.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal

from mdstore.errors import InvalidArgumentError, MdstoreError, NotFoundError
from mdstore.wire import mlmd
from mdstore_client.convert import (
    ARTIFACT,
    CONTEXT,
    EXECUTION,
    event_to_proto,
    node_to_proto,
)
from mdstore_client.digest import uri_sha256
from mdstore_client.models import (
    DIGEST_PROPERTY,
    Artifact,
    Context,
    EventType,
    Execution,
    ExecutionState,
    TypeModel,
    build,
)
from mdstore_client.session import Session
from mdstore_client.values import PropertyType, infer_type, normalize

PIPELINE_CONTEXT_TYPE = "pipeline"
RUN_CONTEXT_TYPE = "pipeline_run"
ERROR_PROPERTY = "error"
_MAX_ERROR_CHARS = 2000


class Run:
    """One execution being reported; made by ``Client.run`` and used as a ``with`` block.

    Args:
        client: the client the run reads types and inputs through and is written by
            (anything that satisfies ``Session``).
        step: the step's name, which is also its execution type.
        pipeline: the name of the ``pipeline`` context, if any.
        run: the run's id within the pipeline, naming the ``pipeline_run`` context.
        params: the execution's properties.
        name: the execution's name, if any.

    Attributes:
        execution: the stored execution, once the block has ended.
        inputs: the artifacts reported with ``input()``.
        outputs: the artifacts reported with ``output()``; they get their ids when
            the block ends successfully.
        contexts: the pipeline and run contexts, once the block has ended.
        custom_properties: extra values to record on the execution.
    """

    def __init__(
        self,
        client: Session,
        step: str,
        *,
        pipeline: str | None,
        run: str | None,
        params: Mapping[str, Any] | None,
        name: str | None,
    ) -> None:
        if not step:
            raise InvalidArgumentError("a run needs a step name")
        self._client = client
        self.step, self.pipeline, self.run_id, self.name = step, pipeline, run, name
        self.params = _checked_params(step, params or {})
        self.custom_properties: dict[str, Any] = {}
        self.inputs: list[Artifact] = []
        self.outputs: list[Artifact] = []
        self.execution: Execution | None = None
        self.contexts: list[Context] = []
        self._input_paths: list[list[str | int]] = []
        self._output_paths: list[list[str | int]] = []
        self._types: dict[str, TypeModel] = {}
        self._contexts_made: list[tuple[str, Context]] = []
        self._started = 0.0

    def __enter__(self) -> Run:
        types = self._client.types
        wanted = {k: infer_type(v) for k, v in self.params.items()}
        self._types["execution"] = types.ensure(EXECUTION, self.step, wanted)
        if self.pipeline is not None:
            self._types["pipeline"] = types.ensure(CONTEXT, PIPELINE_CONTEXT_TYPE, {})
        if self.run_id is not None:
            run_props = {"pipeline": PropertyType.STRING, "run_id": PropertyType.STRING}
            self._types["run"] = types.ensure(CONTEXT, RUN_CONTEXT_TYPE, run_props)
        # Fail now, not at the end of the block, when a param fits no declared property.
        self._execution_message(ExecutionState.RUNNING)
        self._started = time.monotonic()
        return self

    def input(self, artifact: Artifact | int, key: str | None = None) -> Artifact:
        """Reports that the step read a stored artifact; returns it.

        Args:
            artifact: the artifact (or its id), e.g. an output of an earlier run.
            key: optional role of the input, recorded as the event's path.
                Reporting the same artifact again is a no-op.
        """
        if isinstance(artifact, int) and not isinstance(artifact, bool):
            artifact = self._client.artifact(artifact)
        if not isinstance(artifact, Artifact) or artifact.id is None:
            raise InvalidArgumentError(
                f"run.input() needs a stored artifact (from client.put_artifact() or an "
                f"earlier run's output); got {artifact!r}"
            )
        if all(known.id != artifact.id for known in self.inputs):  # one INPUT event each
            self.inputs.append(artifact)
            self._input_paths.append([key] if key else [])
        return artifact

    def output(
        self,
        type: str,
        *,
        uri: str | None = None,
        name: str | None = None,
        properties: Mapping[str, Any] | None = None,
        custom_properties: Mapping[str, Any] | None = None,
        key: str | None = None,
        external_id: str | None = None,
    ) -> Artifact:
        """Reports an artifact the step wrote; it is stored when the block ends.

        The properties are checked against the artifact type right away, so a
        mistake raises here, at the line that made it.

        Raises:
            NotFoundError: the artifact type is not declared.
            InvalidArgumentError: a property the type does not declare, or of the
                wrong kind.
        """
        artifact: Artifact = build(
            Artifact,
            f"output of type {type!r}",
            type=type,
            uri=uri,
            name=name,
            properties=dict(properties or {}),
            custom_properties=dict(custom_properties or {}),
            external_id=external_id,
        )
        self._client.to_proto(ARTIFACT, artifact)  # the check; the message is built at the end
        self.outputs.append(artifact)
        self._output_paths.append([key] if key else [])
        return artifact

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> Literal[False]:
        if exc is None:
            self._commit(ExecutionState.COMPLETE)
            return False
        state = ExecutionState.FAILED if isinstance(exc, Exception) else ExecutionState.CANCELED
        self.custom_properties[ERROR_PROPERTY] = _describe(exc)
        try:
            self._commit(state)
        except MdstoreError as store_error:
            # The block's own error matters more; say why it is not in the store.
            if hasattr(exc, "add_note"):
                exc.add_note(f"mdstore_client: the failed run was not recorded: {store_error}")
        return False  # re-raise the block's error

    # ---------------------------------------------------------------- commit

    def _commit(self, state: ExecutionState) -> None:
        self.custom_properties.setdefault(
            "duration_seconds", round(time.monotonic() - self._started, 3)
        )
        request = mlmd.PutExecutionRequest()
        request.execution.CopyFrom(self._execution_message(state))
        request.options.reuse_context_if_already_exist = True
        for message, path in zip(self._stored_inputs(), self._input_paths, strict=True):
            pair = request.artifact_event_pairs.add(artifact=message)
            pair.event.CopyFrom(event_to_proto(EventType.INPUT, path))
        outputs = self.outputs if state is ExecutionState.COMPLETE else []
        for artifact, path in zip(outputs, self._output_paths[: len(outputs)], strict=True):
            pair = request.artifact_event_pairs.add(artifact=self._output_message(artifact))
            pair.event.CopyFrom(event_to_proto(EventType.OUTPUT, path))
        self._contexts_made = self._contexts()
        request.contexts.extend(
            node_to_proto(CONTEXT, c, self._types[k]) for k, c in self._contexts_made
        )
        response = self._client.call("PutExecution", request)
        self._record(state, response, outputs)

    def _execution_message(self, state: ExecutionState) -> Any:
        execution = Execution(
            type=self.step,
            name=self.name,
            state=state,
            properties=self.params,
            custom_properties=self.custom_properties,
        )
        return node_to_proto(EXECUTION, execution, self._types["execution"])

    def _stored_inputs(self) -> list[Any]:
        """The inputs as stored now: sent unchanged, PutExecution leaves them untouched."""
        ids = [a.id for a in self.inputs]
        if not ids:
            return []
        response = self._client.call(
            "GetArtifactsByID", mlmd.GetArtifactsByIDRequest(artifact_ids=ids)
        )
        by_id = {m.id: m for m in response.artifacts}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise NotFoundError(f"input artifact {missing[0]} no longer exists")
        return [by_id[i] for i in ids]

    def _output_message(self, artifact: Artifact) -> Any:
        digest = uri_sha256(artifact.uri)
        if digest is not None and DIGEST_PROPERTY not in artifact.custom_properties:
            artifact.custom_properties = {**artifact.custom_properties, DIGEST_PROPERTY: digest}
        return self._client.to_proto(ARTIFACT, artifact)

    def _contexts(self) -> list[tuple[str, Context]]:
        contexts = []
        if self.pipeline is not None:
            contexts.append(("pipeline", Context(type=PIPELINE_CONTEXT_TYPE, name=self.pipeline)))
        if self.run_id is not None:
            full = f"{self.pipeline}/{self.run_id}" if self.pipeline else self.run_id
            props = {"pipeline": self.pipeline, "run_id": self.run_id}
            contexts.append(("run", Context(type=RUN_CONTEXT_TYPE, name=full, properties=props)))
        return contexts

    def _record(self, state: ExecutionState, response: Any, outputs: list[Artifact]) -> None:
        self.execution = Execution(
            id=response.execution_id,
            type=self.step,
            type_id=self._types["execution"].id,
            name=self.name,
            state=state,
            properties=self.params,
            custom_properties=self.custom_properties,
        )
        output_ids = list(response.artifact_ids)[len(self.inputs) :]
        for artifact, artifact_id in zip(outputs, output_ids, strict=True):
            artifact.id = artifact_id
            artifact.type_id = self._client.types.get(ARTIFACT, artifact.type).id
        for (key, context), context_id in zip(
            self._contexts_made, response.context_ids, strict=True
        ):
            context.id = context_id
            context.type_id = self._types[key].id
        self.contexts = [c for _, c in self._contexts_made]


def _checked_params(step: str, params: Mapping[str, Any]) -> dict[str, Any]:
    checked = {}
    for name, value in params.items():
        if value is None:
            continue
        try:
            checked[name] = normalize(value)
        except ValueError as e:
            raise InvalidArgumentError(f"param {name!r} of step {step!r}: {e}") from None
    return checked


def _describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= _MAX_ERROR_CHARS else text[: _MAX_ERROR_CHARS - 1] + "…"
