"""The node reads of the embedded ``MetadataStore``: artifacts, executions, contexts.

Lookups by id or external id skip what is not found, so their results are not
index-aligned with the input. Every method takes an ``extra_options`` argument that
is accepted for ml_metadata compatibility and ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mdstore.embedded.base import StoreMethods
from mdstore.embedded.list_options import ListOptions
from mdstore.wire import mlmd


class NodeReadMethods(StoreMethods):
    """Gets ``Artifact``, ``Execution`` and ``Context`` messages."""

    def get_artifacts(
        self, list_options: ListOptions | None = None, extra_options: Any = None
    ) -> list[Any]:
        """Lists artifacts.

        Args:
            list_options: filter, order and limit; ``None`` returns all artifacts.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Artifact``.

        Raises:
            InvalidArgumentError: ``list_options`` is invalid.
        """
        return self._list("GetArtifacts", "artifacts", mlmd.GetArtifactsRequest(), list_options)

    def get_executions(
        self, list_options: ListOptions | None = None, extra_options: Any = None
    ) -> list[Any]:
        """Lists executions.

        Args:
            list_options: filter, order and limit; ``None`` returns all executions.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Execution``.

        Raises:
            InvalidArgumentError: ``list_options`` is invalid.
        """
        request = mlmd.GetExecutionsRequest()
        return self._list("GetExecutions", "executions", request, list_options)

    def get_contexts(
        self, list_options: ListOptions | None = None, extra_options: Any = None
    ) -> list[Any]:
        """Lists contexts.

        Args:
            list_options: filter, order and limit; ``None`` returns all contexts.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Context``.

        Raises:
            InvalidArgumentError: ``list_options`` is invalid.
        """
        return self._list("GetContexts", "contexts", mlmd.GetContextsRequest(), list_options)

    def get_artifacts_by_id(
        self, artifact_ids: Iterable[int], extra_options: Any = None
    ) -> list[Any]:
        """Gets the artifacts with the given ids.

        Args:
            artifact_ids: artifact ids; unknown ones are skipped.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``Artifact`` messages found, not index-aligned with ``artifact_ids``.
        """
        request = mlmd.GetArtifactsByIDRequest(artifact_ids=list(artifact_ids))
        return list(self._call("GetArtifactsByID", request).artifacts)

    def get_artifacts_and_types_by_artifact_ids(
        self, artifact_ids: Iterable[int], extra_options: Any = None
    ) -> tuple[list[Any], list[Any]]:
        """Gets the artifacts with the given ids together with their types.

        Args:
            artifact_ids: artifact ids; unknown ones are skipped.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            ``(artifacts, artifact_types)``: the ``Artifact`` messages found and the
            ``ArtifactType`` of each distinct ``type_id`` among them.
        """
        request = mlmd.GetArtifactsByIDRequest(
            artifact_ids=list(artifact_ids), populate_artifact_types=True
        )
        response = self._call("GetArtifactsByID", request)
        return list(response.artifacts), list(response.artifact_types)

    def get_executions_by_id(
        self, execution_ids: Iterable[int], extra_options: Any = None
    ) -> list[Any]:
        """Gets the executions with the given ids.

        Args:
            execution_ids: execution ids; unknown ones are skipped.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``Execution`` messages found, not index-aligned with ``execution_ids``.
        """
        request = mlmd.GetExecutionsByIDRequest(execution_ids=list(execution_ids))
        return list(self._call("GetExecutionsByID", request).executions)

    def get_contexts_by_id(
        self, context_ids: Iterable[int], extra_options: Any = None
    ) -> list[Any]:
        """Gets the contexts with the given ids.

        Args:
            context_ids: context ids; unknown ones are skipped.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``Context`` messages found, not index-aligned with ``context_ids``.
        """
        request = mlmd.GetContextsByIDRequest(context_ids=list(context_ids))
        return list(self._call("GetContextsByID", request).contexts)

    def get_artifacts_by_type(
        self, type_name: str, type_version: str | None = None, extra_options: Any = None
    ) -> list[Any]:
        """Gets every artifact of a type.

        Args:
            type_name: the artifact type's name.
            type_version: the type's version; ``None`` or ``""`` means unversioned.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Artifact``; empty when the type does not exist.
        """
        return self._by_type("GetArtifactsByType", "artifacts", type_name, type_version)

    def get_executions_by_type(
        self, type_name: str, type_version: str | None = None, extra_options: Any = None
    ) -> list[Any]:
        """Gets every execution of a type.

        Args:
            type_name: the execution type's name.
            type_version: the type's version; ``None`` or ``""`` means unversioned.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Execution``; empty when the type does not exist.
        """
        return self._by_type("GetExecutionsByType", "executions", type_name, type_version)

    def get_contexts_by_type(
        self, type_name: str, type_version: str | None = None, extra_options: Any = None
    ) -> list[Any]:
        """Gets every context of a type.

        Args:
            type_name: the context type's name.
            type_version: the type's version; ``None`` or ``""`` means unversioned.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Context``; empty when the type does not exist.
        """
        return self._by_type("GetContextsByType", "contexts", type_name, type_version)

    def get_artifact_by_type_and_name(
        self,
        type_name: str,
        artifact_name: str,
        type_version: str | None = None,
        extra_options: Any = None,
    ) -> Any | None:
        """Gets the artifact with a name within a type.

        Args:
            type_name: the artifact type's name.
            artifact_name: the artifact's name.
            type_version: the type's version; ``None`` or ``""`` means unversioned.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``Artifact``, or ``None`` when there is none.
        """
        response = self._by_name(
            "GetArtifactByTypeAndName", "artifact_name", artifact_name, type_name, type_version
        )
        return response.artifact if response.HasField("artifact") else None

    def get_execution_by_type_and_name(
        self,
        type_name: str,
        execution_name: str,
        type_version: str | None = None,
        extra_options: Any = None,
    ) -> Any | None:
        """Gets the execution with a name within a type.

        Args:
            type_name: the execution type's name.
            execution_name: the execution's name.
            type_version: the type's version; ``None`` or ``""`` means unversioned.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``Execution``, or ``None`` when there is none.
        """
        response = self._by_name(
            "GetExecutionByTypeAndName", "execution_name", execution_name, type_name, type_version
        )
        return response.execution if response.HasField("execution") else None

    def get_context_by_type_and_name(
        self,
        type_name: str,
        context_name: str,
        type_version: str | None = None,
        extra_options: Any = None,
    ) -> Any | None:
        """Gets the context with a name within a type.

        Args:
            type_name: the context type's name.
            context_name: the context's name.
            type_version: the type's version; ``None`` or ``""`` means unversioned.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``Context``, or ``None`` when there is none.
        """
        response = self._by_name(
            "GetContextByTypeAndName", "context_name", context_name, type_name, type_version
        )
        return response.context if response.HasField("context") else None

    def get_artifacts_by_uri(self, uri: str, extra_options: Any = None) -> list[Any]:
        """Gets every artifact stored at a URI.

        Args:
            uri: the exact ``uri`` to match.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``Artifact``.
        """
        request = mlmd.GetArtifactsByURIRequest(uris=[uri])
        return list(self._call("GetArtifactsByURI", request).artifacts)

    def get_artifacts_by_external_ids(
        self, external_ids: Iterable[str], extra_options: Any = None
    ) -> list[Any]:
        """Gets the artifacts with the given external ids.

        Args:
            external_ids: ``external_id`` values; unknown ones are skipped.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``Artifact`` messages found.
        """
        request = mlmd.GetArtifactsByExternalIdsRequest(external_ids=list(external_ids))
        return list(self._call("GetArtifactsByExternalIds", request).artifacts)

    def get_executions_by_external_ids(
        self, external_ids: Iterable[str], extra_options: Any = None
    ) -> list[Any]:
        """Gets the executions with the given external ids.

        Args:
            external_ids: ``external_id`` values; unknown ones are skipped.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``Execution`` messages found.
        """
        request = mlmd.GetExecutionsByExternalIdsRequest(external_ids=list(external_ids))
        return list(self._call("GetExecutionsByExternalIds", request).executions)

    def get_contexts_by_external_ids(
        self, external_ids: Iterable[str], extra_options: Any = None
    ) -> list[Any]:
        """Gets the contexts with the given external ids.

        Args:
            external_ids: ``external_id`` values; unknown ones are skipped.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``Context`` messages found.
        """
        request = mlmd.GetContextsByExternalIdsRequest(external_ids=list(external_ids))
        return list(self._call("GetContextsByExternalIds", request).contexts)

    def _by_type(
        self, method: str, field: str, type_name: str, type_version: str | None
    ) -> list[Any]:
        request = getattr(mlmd, method + "Request")(type_name=type_name)
        if type_version:
            request.type_version = type_version
        return self._list(method, field, request)

    def _by_name(
        self,
        method: str,
        name_field: str,
        name: str,
        type_name: str,
        type_version: str | None,
    ) -> Any:
        request = getattr(mlmd, method + "Request")(type_name=type_name, **{name_field: name})
        if type_version:
            request.type_version = type_version
        return self._call(method, request)
