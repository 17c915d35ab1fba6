"""PutTypes with several types of each kind, and the batch parent/children lookups
(GetParentContextsByContexts / GetChildrenContextsByContexts)."""

from __future__ import annotations

from typing import Any

import pytest

from mdstore.errors import AlreadyExistsError, InvalidArgumentError
from mdstore.wire import mlmd
from tests.helpers.types import DOUBLE, INT, STRING


def _types_request(**kwargs: Any) -> Any:
    return mlmd.PutTypesRequest(
        artifact_types=[
            mlmd.ArtifactType(name="A1", properties={"p": INT}),
            mlmd.ArtifactType(name="A2", properties={"q": STRING}),
            mlmd.ArtifactType(name="A2", version="v2", properties={"q": DOUBLE}),
        ],
        execution_types=[
            mlmd.ExecutionType(name="E1", properties={"lr": DOUBLE}),
            mlmd.ExecutionType(name="E2"),
        ],
        context_types=[
            mlmd.ContextType(name="C1"),
            mlmd.ContextType(name="C2", properties={"owner": STRING}),
            mlmd.ContextType(name="C3", external_id="c3"),
        ],
        **kwargs,
    )


def _stored(caller: Any) -> dict[str, list[tuple[str, str, dict[str, int]]]]:
    out = {}
    for method, field in (
        ("GetArtifactTypes", "artifact_types"),
        ("GetExecutionTypes", "execution_types"),
        ("GetContextTypes", "context_types"),
    ):
        request = getattr(mlmd, f"{method}Request")()
        out[field] = sorted(
            (t.name, t.version, dict(t.properties))
            for t in getattr(caller.call(method, request), field)
        )
    return out


def test_put_types_several_of_each_kind(caller: Any) -> None:
    response = caller.call("PutTypes", _types_request())

    assert len(response.artifact_type_ids) == 3
    assert len(response.execution_type_ids) == 2
    assert len(response.context_type_ids) == 3
    ids = [*response.artifact_type_ids, *response.execution_type_ids, *response.context_type_ids]
    assert len(set(response.artifact_type_ids)) == 3
    assert len(set(response.context_type_ids)) == 3
    assert all(i > 0 for i in ids)
    # Ids are in request order and name the right types.
    by_id = caller.call(
        "GetArtifactTypesByID",
        mlmd.GetArtifactTypesByIDRequest(type_ids=list(response.artifact_type_ids)),
    ).artifact_types
    got = {t.id: (t.name, t.version, dict(t.properties)) for t in by_id}
    assert [got[i] for i in response.artifact_type_ids] == [
        ("A1", "", {"p": INT}),
        ("A2", "", {"q": STRING}),
        ("A2", "v2", {"q": DOUBLE}),
    ]
    contexts = caller.call(
        "GetContextTypesByID",
        mlmd.GetContextTypesByIDRequest(type_ids=list(response.context_type_ids)),
    ).context_types
    assert {t.name: t.external_id for t in contexts}["C3"] == "c3"


def test_put_types_is_idempotent(caller: Any) -> None:
    first = caller.call("PutTypes", _types_request())
    before = _stored(caller)

    second = caller.call("PutTypes", _types_request())

    assert second == first
    assert _stored(caller) == before


def test_put_types_same_type_twice_in_one_request_gets_one_id(caller: Any) -> None:
    request = mlmd.PutTypesRequest(
        artifact_types=[mlmd.ArtifactType(name="Twice", properties={"p": INT})] * 2
    )

    response = caller.call("PutTypes", request)

    assert response.artifact_type_ids[0] == response.artifact_type_ids[1]
    assert len(_stored(caller)["artifact_types"]) == 1


def test_put_types_same_name_across_kinds_are_distinct(caller: Any) -> None:
    response = caller.call(
        "PutTypes",
        mlmd.PutTypesRequest(
            artifact_types=[mlmd.ArtifactType(name="Same")],
            execution_types=[mlmd.ExecutionType(name="Same")],
            context_types=[mlmd.ContextType(name="Same")],
        ),
    )

    ids = {*response.artifact_type_ids, *response.execution_type_ids, *response.context_type_ids}
    assert len(ids) == 3


def test_put_types_can_add_fields_across_the_batch(caller: Any) -> None:
    first = caller.call("PutTypes", _types_request())
    request = _types_request(can_add_fields=True)
    request.artifact_types[0].properties["new_a"] = STRING
    request.execution_types[1].properties["new_e"] = INT
    request.context_types[2].properties["new_c"] = DOUBLE

    second = caller.call("PutTypes", request)

    assert second == first
    stored = _stored(caller)
    assert ("A1", "", {"p": INT, "new_a": STRING}) in stored["artifact_types"]
    assert ("E2", "", {"new_e": INT}) in stored["execution_types"]
    assert ("C3", "", {"new_c": DOUBLE}) in stored["context_types"]


def test_put_types_new_fields_without_can_add_fields_store_nothing(caller: Any) -> None:
    caller.call("PutTypes", _types_request())
    before = _stored(caller)
    request = _types_request()
    request.artifact_types[0].properties["new_a"] = STRING  # first type: fine with flag
    request.context_types[2].properties["new_c"] = DOUBLE
    request.context_types.add(name="Brand new")

    with pytest.raises(AlreadyExistsError):
        caller.call("PutTypes", request)

    assert _stored(caller) == before


def test_put_types_can_omit_fields_across_the_batch(caller: Any) -> None:
    caller.call("PutTypes", _types_request())
    request = _types_request(can_omit_fields=True)
    request.artifact_types[0].properties.clear()
    request.context_types[1].properties.clear()

    caller.call("PutTypes", request)

    stored = _stored(caller)
    assert ("A1", "", {"p": INT}) in stored["artifact_types"]  # omitted, not deleted
    assert ("C2", "", {"owner": STRING}) in stored["context_types"]
    request.can_omit_fields = False
    with pytest.raises(AlreadyExistsError):
        caller.call("PutTypes", request)


@pytest.mark.parametrize(
    "break_last",
    [
        # A property whose data type conflicts with the stored type.
        lambda r: r.context_types.add(name="Stored", properties={"p": STRING}),
        # A type without a name.
        lambda r: r.context_types.add(),
        # A property of type UNKNOWN.
        lambda r: r.context_types.add(name="Bad", properties={"x": 0}),
        # A name longer than 255 characters (documented INVALID_ARGUMENT).
        lambda r: r.context_types.add(name="n" * 256),
    ],
    ids=["conflict", "no-name", "unknown-property-type", "long-name"],
)
def test_put_types_failure_in_the_last_type_stores_none(caller: Any, break_last: Any) -> None:
    caller.call(
        "PutTypes",
        mlmd.PutTypesRequest(
            context_types=[mlmd.ContextType(name="Stored", properties={"p": INT})]
        ),
    )
    before = _stored(caller)
    request = _types_request()
    break_last(request)

    with pytest.raises((AlreadyExistsError, InvalidArgumentError)):
        caller.call("PutTypes", request)

    assert _stored(caller) == before


def test_put_types_failure_does_not_apply_earlier_added_fields(caller: Any) -> None:
    caller.call("PutTypes", _types_request())
    before = _stored(caller)
    request = _types_request(can_add_fields=True)
    request.artifact_types[0].properties["added"] = INT
    request.context_types[0].properties["bad"] = 0  # UNKNOWN: invalid, last kind

    with pytest.raises(InvalidArgumentError):
        caller.call("PutTypes", request)

    assert _stored(caller) == before


def test_put_types_empty_request(caller: Any) -> None:
    response = caller.call("PutTypes", mlmd.PutTypesRequest())

    assert response == mlmd.PutTypesResponse()


# --- GetParentContextsByContexts / GetChildrenContextsByContexts ---------------------


@pytest.fixture
def family(store: Any) -> dict[str, int]:
    """Contexts: g → p1, g → p2; p1 → k1, p1 → k2; p2 → k2; lone has no links."""
    type_id = store.put_context_type(mlmd.ContextType(name="Node"))
    names = ["g", "p1", "p2", "k1", "k2", "lone"]
    put = store.put_contexts([mlmd.Context(type_id=type_id, name=n) for n in names])
    ids = dict(zip(names, put, strict=True))
    store.put_parent_contexts(
        [
            mlmd.ParentContext(child_id=ids[c], parent_id=ids[p])
            for p, c in (("g", "p1"), ("g", "p2"), ("p1", "k1"), ("p1", "k2"), ("p2", "k2"))
        ]
    )
    return ids


def _as_names(response: Any, field: str, ids: dict[str, int]) -> dict[str, list[str]]:
    names = {v: k for k, v in ids.items()}
    return {
        names[key]: sorted(c.name for c in getattr(value, field))
        for key, value in response.contexts.items()
    }


def test_parents_by_contexts(caller: Any, family: dict[str, int]) -> None:
    response = caller.call(
        "GetParentContextsByContexts",
        mlmd.GetParentContextsByContextsRequest(
            context_ids=[family[n] for n in ("k2", "k1", "p1", "g", "lone")] + [9999, -1]
        ),
    )

    assert _as_names(response, "parent_contexts", family) == {
        "k2": ["p1", "p2"],
        "k1": ["p1"],
        "p1": ["g"],
    }
    # Full contexts, not only ids.
    parent = response.contexts[family["k1"]].parent_contexts[0]
    assert parent.id == family["p1"]
    assert parent.type_id
    assert parent.create_time_since_epoch


def test_children_by_contexts(caller: Any, family: dict[str, int]) -> None:
    response = caller.call(
        "GetChildrenContextsByContexts",
        mlmd.GetChildrenContextsByContextsRequest(
            context_ids=[family[n] for n in ("g", "p1", "p2", "k1", "lone")] + [9999]
        ),
    )

    assert _as_names(response, "children_contexts", family) == {
        "g": ["p1", "p2"],
        "p1": ["k1", "k2"],
        "p2": ["k2"],
    }


def test_batch_lookups_with_duplicate_ids(caller: Any, family: dict[str, int]) -> None:
    response = caller.call(
        "GetChildrenContextsByContexts",
        mlmd.GetChildrenContextsByContextsRequest(context_ids=[family["p2"]] * 3),
    )

    assert _as_names(response, "children_contexts", family) == {"p2": ["k2"]}


@pytest.mark.parametrize(
    ("method", "request_class"),
    [
        ("GetParentContextsByContexts", mlmd.GetParentContextsByContextsRequest),
        ("GetChildrenContextsByContexts", mlmd.GetChildrenContextsByContextsRequest),
    ],
)
@pytest.mark.parametrize("ids", [[], [424242], [0, -5]])
def test_batch_lookups_without_links_return_empty_map(
    caller: Any, family: dict[str, int], method: str, request_class: Any, ids: list[int]
) -> None:
    response = caller.call(method, request_class(context_ids=ids + [family["lone"]]))

    assert dict(response.contexts) == {}


def test_batch_lookups_match_single_lookups(caller: Any, family: dict[str, int]) -> None:
    ids = list(family.values())
    parents = caller.call(
        "GetParentContextsByContexts", mlmd.GetParentContextsByContextsRequest(context_ids=ids)
    )
    children = caller.call(
        "GetChildrenContextsByContexts", mlmd.GetChildrenContextsByContextsRequest(context_ids=ids)
    )
    for context_id in ids:
        single_parents = caller.call(
            "GetParentContextsByContext",
            mlmd.GetParentContextsByContextRequest(context_id=context_id),
        ).contexts
        single_children = caller.call(
            "GetChildrenContextsByContext",
            mlmd.GetChildrenContextsByContextRequest(context_id=context_id),
        ).contexts
        batch_parents = (
            parents.contexts[context_id].parent_contexts if context_id in parents.contexts else []
        )
        batch_children = (
            children.contexts[context_id].children_contexts
            if context_id in children.contexts
            else []
        )
        assert sorted(c.id for c in batch_parents) == sorted(c.id for c in single_parents)
        assert sorted(c.id for c in batch_children) == sorted(c.id for c in single_children)


def test_batch_lookups_many_contexts(caller: Any, store: Any) -> None:
    type_id = store.put_context_type(mlmd.ContextType(name="Wide"))
    ids = store.put_contexts([mlmd.Context(type_id=type_id, name=f"w{i}") for i in range(1201)])
    root, leaves = ids[0], ids[1:]
    store.put_parent_contexts([mlmd.ParentContext(child_id=c, parent_id=root) for c in leaves])

    parents = caller.call(
        "GetParentContextsByContexts", mlmd.GetParentContextsByContextsRequest(context_ids=ids)
    )
    children = caller.call(
        "GetChildrenContextsByContexts",
        mlmd.GetChildrenContextsByContextsRequest(context_ids=[root]),
    )

    assert set(parents.contexts) == set(leaves)
    assert all([c.id for c in v.parent_contexts] == [root] for v in parents.contexts.values())
    assert sorted(c.id for c in children.contexts[root].children_contexts) == leaves
