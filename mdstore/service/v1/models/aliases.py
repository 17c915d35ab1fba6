"""SetAlias, GetAliasHistory and ResolveModel.

Aliases exist only as their changes: setting, moving or removing one appends a
change; resolving reads the latest change (by a time, for as-of). Rolling back is
a move back, which is one more change.
"""

from __future__ import annotations

from typing import Any

from mdstore.errors import InternalError, NotFoundError
from mdstore.service.v1.models.catalog import model_named, version_named
from mdstore.service.v1.models.messages import alias_message
from mdstore.service.v1.requests import as_of
from mdstore.store import Transaction, principal
from mdstore.store.db import clock
from mdstore.store.records.kinds import ARTIFACT
from mdstore.store.records.nodes import nodes_by_id
from mdstore.store.registry.aliases import add_change, alias_target, changes_of
from mdstore.store.registry.versions import VersionRow, find_version, version_texts, versions_of
from mdstore.versioning.names import ModelUri, check_alias, parse_uri
from mdstore.wire import v1
from mdstore.wire.values import digest


def set_alias(conn: Transaction, request: Any) -> Any:
    """SetAlias: points an alias at a version, or removes it (an empty version).

    Pointing it where it already points records nothing and returns the change
    that put it there.
    """
    alias = check_alias(request.alias)
    model = model_named(conn, request.name, lock=True)
    texts = version_texts(conn, model.id)
    current = alias_target(conn, model.id, alias)
    if request.version:
        target: int | None = version_named(conn, model, request.version).sequence
    elif current is None:
        raise NotFoundError(f"alias {alias!r} of {model.name!r} is not set")
    else:
        target = None
    if target is not None and target == current:
        last = changes_of(conn, model.id, alias)[-1]
        return v1.SetAliasResponse(change=alias_message(model.name, last, texts))
    change = add_change(
        conn, model.id, alias, target, clock.now_ms(), principal(conn), request.reason
    )
    return v1.SetAliasResponse(change=alias_message(model.name, change, texts))


def get_alias_history(conn: Transaction, request: Any) -> Any:
    """GetAliasHistory: every change of the model's aliases (or one alias's), oldest first."""
    alias = check_alias(request.alias) if request.alias else ""
    model = model_named(conn, request.name)
    texts = version_texts(conn, model.id)
    changes = [alias_message(model.name, row, texts) for row in changes_of(conn, model.id, alias)]
    return v1.GetAliasHistoryResponse(changes=changes)


def resolve_model(conn: Transaction, request: Any) -> Any:
    """ResolveModel: a model URI to the version's artifact, now or as of a time."""
    uri = parse_uri(request.uri)
    when = as_of(request)
    model = model_named(conn, uri.name)
    if when is not None and model.created_at > when:
        raise NotFoundError(f"model {model.name!r} was registered after {when}")
    version = _resolved(conn, model, uri, when)
    artifact = nodes_by_id(conn, ARTIFACT, [version.artifact_id])[0]
    return v1.ResolveModelResponse(
        name=model.name,
        version=version.text,
        artifact_id=version.artifact_id,
        uri=artifact.uri,
        digest=digest(artifact),
    )


def _resolved(conn: Transaction, model: Any, uri: ModelUri, when: int | None) -> VersionRow:
    at = "" if when is None else f" at {when}"
    if uri.version is not None:
        found = version_named(conn, model, str(uri.version))
        if when is not None and found.registered_at > when:
            raise NotFoundError(f"{uri} was registered after {when}")
        return found
    if uri.alias is not None:
        sequence = alias_target(conn, model.id, uri.alias, when)
        if sequence is None:
            raise NotFoundError(f"alias {uri.alias!r} of {model.name!r} was not set{at}")
        pointed = find_version(conn, model.id, sequence=sequence)
        if pointed is None:  # the foreign data is append-only: cannot happen
            raise InternalError(f"alias {uri.alias!r} points at no version")
        return pointed
    registered = [
        row for row in versions_of(conn, model.id) if when is None or row.registered_at <= when
    ]
    if not registered:
        raise NotFoundError(f"model {model.name!r} had no version{at}")
    return registered[-1]
