"""Types by name and id, declared idempotently and cached per client.

Declaring is an upsert that only ever *adds*: ``declare`` sends the type with
``can_add_fields`` and ``can_omit_fields``, so

* a new name creates the type;
* the same declaration again returns the stored type unchanged;
* new property names are added to the stored type;
* property names the declaration leaves out stay on the stored type;
* a property declared with another kind than the stored one is an
  ``AlreadyExistsError`` (the store never changes a property's kind).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mdstore.errors import NotFoundError
from mdstore.wire import mlmd
from mdstore_client.convert import Kind, type_from_proto, type_to_proto
from mdstore_client.models import TypeModel
from mdstore_client.values import PropertyType

Call = Callable[[str, Any], Any]


class TypeRegistry:
    """The types a client has seen, keyed by (kind, name) and (kind, id)."""

    def __init__(self, call: Call) -> None:
        self._call = call
        self._by_name: dict[tuple[str, str], TypeModel] = {}
        self._by_id: dict[tuple[str, int], TypeModel] = {}

    def declare(self, kind: Kind, declared: TypeModel) -> TypeModel:
        """Creates or extends a type (see the module docstring); returns it as stored.

        Raises:
            AlreadyExistsError: a property is stored with another kind.
            InvalidArgumentError: the declaration is malformed.
        """
        request = getattr(mlmd, f"Put{kind.title}TypeRequest")(
            can_add_fields=True, can_omit_fields=True
        )
        getattr(request, f"{kind.label}_type").CopyFrom(type_to_proto(kind, declared))
        type_id = self._call(f"Put{kind.title}Type", request).type_id
        self.forget(kind, declared.name)
        return self.by_ids(kind, [type_id])[type_id]

    def ensure(self, kind: Kind, name: str, properties: Mapping[str, PropertyType]) -> TypeModel:
        """The type ``name``, created or extended so it declares at least ``properties``.

        Properties it already declares keep their stored kind.
        """
        stored = self.find(kind, name)
        missing = {
            k: v for k, v in properties.items() if stored is None or k not in stored.properties
        }
        if stored is not None and not missing:
            return stored
        return self.declare(kind, kind.type_model(name=name, properties=missing))

    def get(self, kind: Kind, name: str) -> TypeModel:
        """The stored type ``name``.

        Raises:
            NotFoundError: no such type; the message says how to declare it.
        """
        found = self.find(kind, name)
        if found is None:
            raise NotFoundError(
                f"unknown {kind.label} type {name!r}; declare it first with "
                f"client.{kind.label}_type({name!r}, properties={{...}})"
            )
        return found

    def find(self, kind: Kind, name: str) -> TypeModel | None:
        """The stored type ``name``, or None."""
        cached = self._by_name.get((kind.label, name))
        if cached is not None:
            return cached
        request = getattr(mlmd, f"Get{kind.title}TypeRequest")(type_name=name)
        try:
            response = self._call(f"Get{kind.title}Type", request)
        except NotFoundError:
            return None
        field = f"{kind.label}_type"
        if not response.HasField(field):
            return None
        return self._remember(kind, type_from_proto(kind, getattr(response, field)))

    def by_ids(self, kind: Kind, ids: Iterable[int]) -> dict[int, TypeModel]:
        """Types by id, fetching the ones not cached in one call."""
        wanted = set(ids)
        missing = sorted(i for i in wanted if (kind.label, i) not in self._by_id)
        if missing:
            request = getattr(mlmd, f"Get{kind.title}TypesByIDRequest")(type_ids=missing)
            response = self._call(f"Get{kind.title}TypesByID", request)
            for message in getattr(response, f"{kind.label}_types"):
                self._remember(kind, type_from_proto(kind, message))
        return {i: self._by_id[(kind.label, i)] for i in wanted if (kind.label, i) in self._by_id}

    def forget(self, kind: Kind, name: str) -> None:
        """Drops a cached type, so the next use reads it again (another client changed it)."""
        stale = self._by_name.pop((kind.label, name), None)
        if stale is not None and stale.id is not None:
            self._by_id.pop((kind.label, stale.id), None)

    def _remember(self, kind: Kind, stored: TypeModel) -> TypeModel:
        self._by_name[(kind.label, stored.name)] = stored
        if stored.id is not None:
            self._by_id[(kind.label, stored.id)] = stored
        return stored
