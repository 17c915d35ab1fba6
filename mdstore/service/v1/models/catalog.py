"""CreateRegisteredModel, SetModelPolicy, GetRegisteredModel, ListRegisteredModels,
and the lookups every registry handler shares (a model by name, a version by number).

A registered model is also an ``ml_metadata`` context of type
``mdstore.RegisteredModel`` named like the model, so MLMD clients see it.
"""

from __future__ import annotations

from typing import Any, Final

from mdstore.errors import AlreadyExistsError, NotFoundError
from mdstore.service.v1.models.messages import (
    model_message,
    policy_row,
)
from mdstore.store import Transaction, principal
from mdstore.store.db import clock
from mdstore.store.records.kinds import CONTEXT, CONTEXT_TYPE
from mdstore.store.records.node_writes import put_nodes
from mdstore.store.records.nodes import node_by_type_and_name
from mdstore.store.records.types import put_type
from mdstore.store.registry.models import (
    add_policy,
    all_models,
    create_model,
    find_model,
    policies_of,
)
from mdstore.store.registry.versions import VersionRow, find_version, latest_versions
from mdstore.versioning.names import check_name
from mdstore.versioning.policy import policy_from_proto
from mdstore.versioning.semver import parse_version
from mdstore.wire import mlmd, v1

CONTEXT_TYPE_NAME: Final = "mdstore.RegisteredModel"
"""The ml_metadata context type of registered models."""


def model_named(conn: Transaction, name: str, *, lock: bool = False) -> Any:
    """The model row (locked for a write when ``lock``; see ``find_model``).

    Raises:
        InvalidArgumentError: a malformed name.
        NotFoundError: no such model.
    """
    return find_model(conn, check_name(name), lock=lock)


def version_named(conn: Transaction, model: Any, version: str) -> VersionRow:
    """The model's version ``"1.2.0"``.

    Raises:
        InvalidArgumentError: a malformed version.
        NotFoundError: the model has no such version.
    """
    number = parse_version(version)
    found = find_version(conn, model.id, number=(number.major, number.minor, number.pipeline))
    if found is None:
        raise NotFoundError(f"model {model.name!r} has no version {number}")
    return found


def create_registered_model(conn: Transaction, request: Any) -> Any:
    """CreateRegisteredModel: the model, its context and its first policy."""
    name = check_name(request.name)
    policy = policy_from_proto(request.policy)
    try:
        find_model(conn, name)
    except NotFoundError:
        pass
    else:
        raise AlreadyExistsError(f"a registered model named {name!r} already exists")
    now = clock.now_ms()
    model_id = create_model(
        conn, name, _context_id(conn, name), request.description, now, principal(conn)
    )
    add_policy(conn, model_id, policy_row(policy, now, "created", principal(conn)))
    return v1.CreateRegisteredModelResponse(model=_message(conn, find_model(conn, name)))


def _context_id(conn: Transaction, name: str) -> int:
    """The model's context, made (with its type) when it is not there yet."""
    type_id = put_type(
        conn,
        CONTEXT_TYPE,
        mlmd.ContextType(name=CONTEXT_TYPE_NAME),
        can_add_fields=True,
        can_omit_fields=True,
    )
    found = node_by_type_and_name(conn, CONTEXT, type_id, name)
    if found is not None:
        return int(found.id)
    return put_nodes(conn, CONTEXT, [mlmd.Context(type_id=type_id, name=name)])[0]


def set_model_policy(conn: Transaction, request: Any) -> Any:
    """SetModelPolicy: appends a policy; the earlier ones stay in the history."""
    model = model_named(conn, request.name, lock=True)
    policy = policy_from_proto(request.policy)
    add_policy(conn, model.id, policy_row(policy, clock.now_ms(), request.reason, principal(conn)))
    return v1.SetModelPolicyResponse(model=_message(conn, model))


def get_registered_model(conn: Transaction, request: Any) -> Any:
    """GetRegisteredModel: the model with its policy history and latest version."""
    return v1.GetRegisteredModelResponse(model=_message(conn, model_named(conn, request.name)))


def list_registered_models(conn: Transaction, _request: Any) -> Any:
    """ListRegisteredModels: every model, by name."""
    models = all_models(conn)
    ids = [model.id for model in models]
    policies, latest = policies_of(conn, ids), latest_versions(conn, ids)
    return v1.ListRegisteredModelsResponse(
        models=[model_message(m, policies[m.id], latest.get(m.id)) for m in models]
    )


def _message(conn: Transaction, model: Any) -> Any:
    policies = policies_of(conn, [model.id])[model.id]
    return model_message(model, policies, latest_versions(conn, [model.id]).get(model.id))
