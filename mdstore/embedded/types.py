"""The type methods of the embedded ``MetadataStore``: artifact, execution and context types.

A type is identified by its name and optional version (an empty version counts as
none). Every method takes an ``extra_options`` argument that is accepted for
ml_metadata compatibility and ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mdstore.embedded.base import StoreMethods, adopt
from mdstore.wire import mlmd


class TypeMethods(StoreMethods):
    """Puts and gets ``ArtifactType``, ``ExecutionType`` and ``ContextType`` messages.

    Upsert semantics of the ``put_*_type`` methods:

    * No stored type has the request's (name, version): the type is inserted and
      its new id returned.
    * A stored type has them: the request must be compatible with it, otherwise
      ``AlreadyExistsError`` is raised and nothing changes. It is incompatible when
      a property present in both has a different value type; when it names a
      property the stored type lacks and ``can_add_fields`` is false; or when it
      omits a stored property and ``can_omit_fields`` is false. A compatible
      request adds its new properties to the stored type (omitted ones are kept,
      never deleted), overwrites the stored ``description``, ``external_id`` and
      ``base_type`` with those it sets, and returns the stored type's id.
    """

    def put_artifact_type(
        self,
        artifact_type: Any,
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
        extra_options: Any = None,
    ) -> int:
        """Inserts an artifact type or evolves the stored one (see the class docstring).

        Args:
            artifact_type: the ``ArtifactType``; ``name`` is required.
            can_add_fields: allow properties the stored type does not have.
            can_omit_fields: allow leaving out properties the stored type has.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The id of the inserted or stored type.

        Raises:
            AlreadyExistsError: the request is incompatible with the stored type,
                or another type has its ``external_id``.
            InvalidArgumentError: no name, or a property has no value type.
        """
        return self._put_type(
            "PutArtifactType",
            "artifact_type",
            mlmd.ArtifactType,
            artifact_type,
            can_add_fields,
            can_omit_fields,
        )

    def put_execution_type(
        self,
        execution_type: Any,
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
        extra_options: Any = None,
    ) -> int:
        """Inserts an execution type or evolves the stored one (see the class docstring).

        Args:
            execution_type: the ``ExecutionType``; ``name`` is required.
            can_add_fields: allow properties the stored type does not have.
            can_omit_fields: allow leaving out properties the stored type has.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The id of the inserted or stored type.

        Raises:
            AlreadyExistsError: the request is incompatible with the stored type,
                or another type has its ``external_id``.
            InvalidArgumentError: no name, or a property has no value type.
        """
        return self._put_type(
            "PutExecutionType",
            "execution_type",
            mlmd.ExecutionType,
            execution_type,
            can_add_fields,
            can_omit_fields,
        )

    def put_context_type(
        self,
        context_type: Any,
        can_add_fields: bool = False,
        can_omit_fields: bool = False,
        extra_options: Any = None,
    ) -> int:
        """Inserts a context type or evolves the stored one (see the class docstring).

        Args:
            context_type: the ``ContextType``; ``name`` is required.
            can_add_fields: allow properties the stored type does not have.
            can_omit_fields: allow leaving out properties the stored type has.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The id of the inserted or stored type.

        Raises:
            AlreadyExistsError: the request is incompatible with the stored type,
                or another type has its ``external_id``.
            InvalidArgumentError: no name, or a property has no value type.
        """
        return self._put_type(
            "PutContextType",
            "context_type",
            mlmd.ContextType,
            context_type,
            can_add_fields,
            can_omit_fields,
        )

    def get_artifact_type(
        self, type_name: str, type_version: str | None = None, extra_options: Any = None
    ) -> Any:
        """Gets the artifact type with a name and version.

        Args:
            type_name: the type's name.
            type_version: the type's version; ``None`` or ``""`` means unversioned.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``ArtifactType``.

        Raises:
            NotFoundError: no such type.
        """
        return self._get_type("GetArtifactType", type_name, type_version).artifact_type

    def get_execution_type(
        self, type_name: str, type_version: str | None = None, extra_options: Any = None
    ) -> Any:
        """Gets the execution type with a name and version.

        Args:
            type_name: the type's name.
            type_version: the type's version; ``None`` or ``""`` means unversioned.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``ExecutionType``.

        Raises:
            NotFoundError: no such type.
        """
        return self._get_type("GetExecutionType", type_name, type_version).execution_type

    def get_context_type(
        self, type_name: str, type_version: str | None = None, extra_options: Any = None
    ) -> Any:
        """Gets the context type with a name and version.

        Args:
            type_name: the type's name.
            type_version: the type's version; ``None`` or ``""`` means unversioned.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``ContextType``.

        Raises:
            NotFoundError: no such type.
        """
        return self._get_type("GetContextType", type_name, type_version).context_type

    def get_artifact_types(self, extra_options: Any = None) -> list[Any]:
        """Gets every artifact type.

        Args:
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``ArtifactType``.
        """
        return list(self._call("GetArtifactTypes", mlmd.GetArtifactTypesRequest()).artifact_types)

    def get_execution_types(self, extra_options: Any = None) -> list[Any]:
        """Gets every execution type.

        Args:
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``ExecutionType``.
        """
        response = self._call("GetExecutionTypes", mlmd.GetExecutionTypesRequest())
        return list(response.execution_types)

    def get_context_types(self, extra_options: Any = None) -> list[Any]:
        """Gets every context type.

        Args:
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            A list of ``ContextType``.
        """
        return list(self._call("GetContextTypes", mlmd.GetContextTypesRequest()).context_types)

    def get_artifact_types_by_id(
        self, type_ids: Iterable[int], extra_options: Any = None
    ) -> list[Any]:
        """Gets the artifact types with the given ids; unknown ids are skipped.

        Args:
            type_ids: artifact type ids.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``ArtifactType`` messages found, not index-aligned with ``type_ids``.
        """
        request = mlmd.GetArtifactTypesByIDRequest(type_ids=list(type_ids))
        return list(self._call("GetArtifactTypesByID", request).artifact_types)

    def get_execution_types_by_id(
        self, type_ids: Iterable[int], extra_options: Any = None
    ) -> list[Any]:
        """Gets the execution types with the given ids; unknown ids are skipped.

        Args:
            type_ids: execution type ids.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``ExecutionType`` messages found, not index-aligned with ``type_ids``.
        """
        request = mlmd.GetExecutionTypesByIDRequest(type_ids=list(type_ids))
        return list(self._call("GetExecutionTypesByID", request).execution_types)

    def get_context_types_by_id(
        self, type_ids: Iterable[int], extra_options: Any = None
    ) -> list[Any]:
        """Gets the context types with the given ids; unknown ids are skipped.

        Args:
            type_ids: context type ids.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``ContextType`` messages found, not index-aligned with ``type_ids``.
        """
        request = mlmd.GetContextTypesByIDRequest(type_ids=list(type_ids))
        return list(self._call("GetContextTypesByID", request).context_types)

    def get_artifact_types_by_external_ids(
        self, external_ids: Iterable[str], extra_options: Any = None
    ) -> list[Any]:
        """Gets the artifact types with the given external ids; unknown ones are skipped.

        Args:
            external_ids: the types' ``external_id`` values.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``ArtifactType`` messages found.
        """
        request = mlmd.GetArtifactTypesByExternalIdsRequest(external_ids=list(external_ids))
        return list(self._call("GetArtifactTypesByExternalIds", request).artifact_types)

    def get_execution_types_by_external_ids(
        self, external_ids: Iterable[str], extra_options: Any = None
    ) -> list[Any]:
        """Gets the execution types with the given external ids; unknown ones are skipped.

        Args:
            external_ids: the types' ``external_id`` values.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``ExecutionType`` messages found.
        """
        request = mlmd.GetExecutionTypesByExternalIdsRequest(external_ids=list(external_ids))
        return list(self._call("GetExecutionTypesByExternalIds", request).execution_types)

    def get_context_types_by_external_ids(
        self, external_ids: Iterable[str], extra_options: Any = None
    ) -> list[Any]:
        """Gets the context types with the given external ids; unknown ones are skipped.

        Args:
            external_ids: the types' ``external_id`` values.
            extra_options: ignored; accepted for ml_metadata compatibility.

        Returns:
            The ``ContextType`` messages found.
        """
        request = mlmd.GetContextTypesByExternalIdsRequest(external_ids=list(external_ids))
        return list(self._call("GetContextTypesByExternalIds", request).context_types)

    def _put_type(
        self,
        method: str,
        field: str,
        cls: Any,
        node_type: Any,
        can_add_fields: bool,
        can_omit_fields: bool,
    ) -> int:
        request = getattr(mlmd, method + "Request")(
            can_add_fields=can_add_fields, can_omit_fields=can_omit_fields
        )
        getattr(request, field).CopyFrom(adopt(cls, node_type))
        return int(self._call(method, request).type_id)

    def _get_type(self, method: str, type_name: str, type_version: str | None) -> Any:
        request = getattr(mlmd, method + "Request")(type_name=type_name)
        if type_version:
            request.type_version = type_version
        return self._call(method, request)
