"""Read-side of the client: questions asked of the store, answered with models.

Listings are iterators that follow ``next_page_token`` page by page, so a loop over
``client.artifacts("Dataset")`` sees every dataset however many there are, while
holding one page at a time. A ``filter`` is an MLMD filter query (e.g.
``"uri LIKE 's3://%'"``) and is passed to the server as ``filter_query``; given with
other criteria, they are ANDed into it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.wire import mlmd
from mdstore_client.convert import (
    ARTIFACT,
    CONTEXT,
    EXECUTION,
    Kind,
    event_from_proto,
    node_from_proto,
)
from mdstore_client.models import (
    Artifact,
    Context,
    ContextMembers,
    Event,
    Execution,
    Node,
)
from mdstore_client.type_registry import TypeRegistry

DEFAULT_PAGE_SIZE = 100
_ORDER_FIELDS = {"id": "ID", "create_time": "CREATE_TIME", "update_time": "LAST_UPDATE_TIME"}


def quote(text: str) -> str:
    """A string literal for a filter query."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Paging:
    """How a listing is ordered and cut into pages."""

    def __init__(self, order_by: str, descending: bool, page_size: int, limit: int | None) -> None:
        if order_by not in _ORDER_FIELDS:
            raise InvalidArgumentError(f"order_by must be one of {sorted(_ORDER_FIELDS)}")
        if page_size <= 0 or (limit is not None and limit < 0):
            raise InvalidArgumentError("page_size must be positive and limit not negative")
        self.order_by, self.descending = order_by, descending
        self.page_size, self.limit = page_size, limit

    def options(self, filter_query: str | None) -> Any:
        options = mlmd.ListOperationOptions(max_result_size=self.page_size)
        field = mlmd.ListOperationOptions.OrderByField
        options.order_by_field.field = field.Field.Value(_ORDER_FIELDS[self.order_by])
        options.order_by_field.is_asc = not self.descending
        if filter_query:
            options.filter_query = filter_query
        return options


class Queries:
    """Mixed into ``Client``: everything that reads."""

    types: TypeRegistry
    call: Callable[[str, Any], Any]

    # ------------------------------------------------------------- listings

    def artifacts(
        self,
        type: str | None = None,
        *,
        name: str | None = None,
        uri: str | None = None,
        context: Context | int | None = None,
        filter: str | None = None,
        order_by: str = "id",
        descending: bool = False,
        page_size: int = DEFAULT_PAGE_SIZE,
        limit: int | None = None,
    ) -> Iterator[Artifact]:
        """Artifacts matching every criterion given (all artifacts when none is).

        Args:
            type: the artifact type name.
            name: the artifact name.
            uri: the exact URI.
            context: only artifacts attributed to this context.
            filter: an MLMD filter query, passed to the server.
            order_by: ``"id"``, ``"create_time"`` or ``"update_time"``.
            descending: newest/highest first.
            page_size: artifacts fetched per call.
            limit: stop after this many.
        """
        paging = Paging(order_by, descending, page_size, limit)
        if uri is not None and filter is None and context is None:
            response = self.call("GetArtifactsByURI", mlmd.GetArtifactsByURIRequest(uris=[uri]))
            found = self._models(ARTIFACT, response.artifacts)
            return _cut(_matching(found, type, name), limit)
        extra = {"uri": uri} if uri is not None else {}
        return self._list(ARTIFACT, type, name, context, filter, paging, extra)

    def executions(
        self,
        type: str | None = None,
        *,
        name: str | None = None,
        context: Context | int | None = None,
        filter: str | None = None,
        order_by: str = "id",
        descending: bool = False,
        page_size: int = DEFAULT_PAGE_SIZE,
        limit: int | None = None,
    ) -> Iterator[Execution]:
        """Executions matching every criterion given; arguments as for ``artifacts``."""
        paging = Paging(order_by, descending, page_size, limit)
        return self._list(EXECUTION, type, name, context, filter, paging, {})

    def contexts(
        self,
        type: str | None = None,
        *,
        name: str | None = None,
        filter: str | None = None,
        order_by: str = "id",
        descending: bool = False,
        page_size: int = DEFAULT_PAGE_SIZE,
        limit: int | None = None,
    ) -> Iterator[Context]:
        """Contexts matching every criterion given; arguments as for ``artifacts``."""
        paging = Paging(order_by, descending, page_size, limit)
        return self._list(CONTEXT, type, name, None, filter, paging, {})

    def _list(
        self,
        kind: Kind,
        type_name: str | None,
        name: str | None,
        context: Context | int | None,
        filter: str | None,
        paging: Paging,
        extra: dict[str, str],
    ) -> Iterator[Any]:
        t = kind.title
        if filter is not None or extra or (name is not None and type_name is None):
            clauses = {"type": type_name, "name": name, **extra}
            parts = [f"{k} = {quote(v)}" for k, v in clauses.items() if v is not None]
            query = " AND ".join([*parts, *([f"({filter})"] if filter else [])])
            type_name = name = None  # all in the query now
        else:
            query = None
        if context is not None:
            request = getattr(mlmd, f"Get{t}sByContextRequest")(
                context_id=self.id_of(context, CONTEXT), options=paging.options(query)
            )
            # Type and name are matched here, so the page loop must not stop at the limit.
            pages = self._pages(kind, f"Get{t}sByContext", request, None)
            return _cut(_matching(pages, type_name, name), paging.limit)
        if query is None and type_name is not None and name is not None:
            found = self._find(kind, type_name, name)
            return iter([found] if found is not None else [])
        if query is None and type_name is not None:
            request = getattr(mlmd, f"Get{t}sByTypeRequest")(
                type_name=type_name, options=paging.options(None)
            )
            return self._pages(kind, f"Get{t}sByType", request, paging.limit)
        request = getattr(mlmd, f"Get{t}sRequest")(options=paging.options(query))
        return self._pages(kind, f"Get{t}s", request, paging.limit)

    def _pages(self, kind: Kind, method: str, request: Any, limit: int | None) -> Iterator[Any]:
        """Yields models page by page, following next_page_token."""
        seen = 0
        while True:
            response = self.call(method, request)
            for node in self._models(kind, getattr(response, kind.plural)):
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield node
            token = response.next_page_token
            if not token or (limit is not None and seen >= limit):
                return
            request.options.next_page_token = token

    # --------------------------------------------------------- single nodes

    def artifact(self, key: int | str, name: str | None = None) -> Artifact:
        """``artifact(42)`` by id, or ``artifact("Dataset", "train")`` by type and name.

        Raises:
            NotFoundError: there is no such artifact.
        """
        return self._one(ARTIFACT, key, name)  # type: ignore[no-any-return]

    def execution(self, key: int | str, name: str | None = None) -> Execution:
        """``execution(7)`` by id, or ``execution("trainer", "nightly-1")``."""
        return self._one(EXECUTION, key, name)  # type: ignore[no-any-return]

    def context(self, key: int | str, name: str | None = None) -> Context:
        """``context(3)`` by id, or ``context("pipeline", "churn")``."""
        return self._one(CONTEXT, key, name)  # type: ignore[no-any-return]

    def _one(self, kind: Kind, key: int | str, name: str | None) -> Any:
        if isinstance(key, bool):  # an int to Python, but never meant as an id
            raise InvalidArgumentError(f"look a {kind.label} up by id, or by type and name")
        if isinstance(key, int):
            found = self.by_ids(kind, [key])
            if not found:
                raise NotFoundError(f"no {kind.label} with id {key}")
            return found[0]
        if name is None:
            raise InvalidArgumentError(f"look a {kind.label} up by id, or by type and name")
        node = self._find(kind, key, name)
        if node is None:
            raise NotFoundError(f"no {kind.label} of type {key!r} named {name!r}")
        return node

    def _find(self, kind: Kind, type_name: str, name: str) -> Any | None:
        t = kind.title
        request = getattr(mlmd, f"Get{t}ByTypeAndNameRequest")(type_name=type_name)
        setattr(request, f"{kind.label}_name", name)
        response = self.call(f"Get{t}ByTypeAndName", request)
        if not response.HasField(kind.label):
            return None
        return self._models(kind, [getattr(response, kind.label)])[0]

    def by_ids(self, kind: Kind, ids: Sequence[int]) -> list[Any]:
        """Nodes by id in one call, in the order of ``ids``; missing ids are left out."""
        if not ids:
            return []
        t = kind.title
        request = getattr(mlmd, f"Get{t}sByIDRequest")()
        getattr(request, f"{kind.label}_ids").extend(ids)
        response = self.call(f"Get{t}sByID", request)
        by_id = {node.id: node for node in self._models(kind, getattr(response, kind.plural))}
        return [by_id[i] for i in ids if i in by_id]

    # ---------------------------------------------------- links and members

    def events(
        self, *, execution: Execution | int | None = None, artifact: Artifact | int | None = None
    ) -> list[Event]:
        """The events of an execution, or of an artifact."""
        if (execution is None) == (artifact is None):
            raise InvalidArgumentError("give exactly one of execution= or artifact=")
        if execution is not None:
            request = mlmd.GetEventsByExecutionIDsRequest(
                execution_ids=[self.id_of(execution, EXECUTION)]
            )
            response = self.call("GetEventsByExecutionIDs", request)
        else:
            request = mlmd.GetEventsByArtifactIDsRequest(
                artifact_ids=[self.id_of(artifact, ARTIFACT)]  # type: ignore[arg-type]
            )
            response = self.call("GetEventsByArtifactIDs", request)
        return [event_from_proto(e) for e in response.events]

    def inputs(self, execution: Execution | int) -> list[Artifact]:
        """The artifacts an execution read."""
        ids = [e.artifact_id for e in self.events(execution=execution) if e.type.is_input]
        return self.by_ids(ARTIFACT, list(dict.fromkeys(ids)))

    def outputs(self, execution: Execution | int) -> list[Artifact]:
        """The artifacts an execution wrote."""
        ids = [e.artifact_id for e in self.events(execution=execution) if e.type.is_output]
        return self.by_ids(ARTIFACT, list(dict.fromkeys(ids)))

    def producer(self, artifact: Artifact | int) -> Execution | None:
        """The execution that wrote an artifact; None for source data."""
        ids = [e.execution_id for e in self.events(artifact=artifact) if e.type.is_output]
        found = self.by_ids(EXECUTION, ids[:1])
        return found[0] if found else None

    def consumers(self, artifact: Artifact | int) -> list[Execution]:
        """The executions that read an artifact."""
        ids = [e.execution_id for e in self.events(artifact=artifact) if e.type.is_input]
        return self.by_ids(EXECUTION, list(dict.fromkeys(ids)))

    def members(self, context: Context | int) -> ContextMembers:
        """Everything a context groups: its artifacts and executions."""
        found = context if isinstance(context, Context) else self.context(context)
        return ContextMembers(
            context=found,
            artifacts=list(self.artifacts(context=found)),
            executions=list(self.executions(context=found)),
        )

    def contexts_of(self, node: Artifact | Execution) -> list[Context]:
        """The contexts an artifact is attributed to, or an execution associated with."""
        kind = ARTIFACT if isinstance(node, Artifact) else EXECUTION
        t = kind.title
        request = getattr(mlmd, f"GetContextsBy{t}Request")()
        setattr(request, f"{kind.label}_id", self.id_of(node, kind))
        response = self.call(f"GetContextsBy{t}", request)
        return self._models(CONTEXT, response.contexts)

    # --------------------------------------------------------------- helpers

    def id_of(self, node: Node | int, kind: Kind) -> int:
        """The id of a stored node (or the id given)."""
        if isinstance(node, int) and not isinstance(node, bool):
            return node
        if not isinstance(node, kind.model):
            raise InvalidArgumentError(f"expected a {kind.label} or its id, got {node!r}")
        if node.id is None:
            raise InvalidArgumentError(f"{node} is not stored yet, so it has no id")
        return node.id

    def _models(self, kind: Kind, messages: Sequence[Any]) -> list[Any]:
        """Models of node messages; type names the server left out are looked up."""
        unnamed = {m.type_id for m in messages if not m.type}
        names = {i: t.name for i, t in self.types.by_ids(kind, unnamed).items()} if unnamed else {}
        return [
            node_from_proto(kind, m, names.get(m.type_id, f"type {m.type_id}")) for m in messages
        ]


def _matching(nodes: Any, type_name: str | None, name: str | None) -> Iterator[Any]:
    for node in nodes:
        if (type_name is None or node.type == type_name) and (name is None or node.name == name):
            yield node


def _cut(nodes: Any, limit: int | None) -> Iterator[Any]:
    for count, node in enumerate(nodes):
        if limit is not None and count >= limit:
            return
        yield node
