"""ListOperationOptions paging across 1,000 rows, in every order.

Pages are keyset-cut, so concatenated pages equal the full ordered list, even
while another writer inserts rows between page fetches; a token reused with other
order options is INVALID_ARGUMENT; any max_result_size is honoured (MLMD caps at 100).
"""

from __future__ import annotations

from typing import Any

import pytest

from mdstore.errors import InvalidArgumentError
from mdstore.wire import mlmd
from tests.helpers.listing import artifact_page, list_options

CREATE_TIME, LAST_UPDATE_TIME, ID = 1, 2, 3
ROWS = 1000
PAGE = 37
ORDERS = [
    pytest.param(field, asc, id=f"{name}-{'asc' if asc else 'desc'}")
    for field, name in ((ID, "id"), (CREATE_TIME, "create"), (LAST_UPDATE_TIME, "update"))
    for asc in (True, False)
]
_COLUMN = {
    ID: lambda a: a.id,
    CREATE_TIME: lambda a: a.create_time_since_epoch,
    LAST_UPDATE_TIME: lambda a: a.last_update_time_since_epoch,
}


def _put(caller: Any, type_id: int, names: list[str]) -> list[int]:
    request = mlmd.PutArtifactsRequest(
        artifacts=[mlmd.Artifact(type_id=type_id, name=n, uri=f"/{n}") for n in names]
    )
    return list(caller.call("PutArtifacts", request).artifact_ids)


@pytest.fixture
def rows(caller: Any, store: Any) -> int:
    """1,000 artifacts in batches (timestamps tie within a batch); some updated
    later so LAST_UPDATE_TIME differs from CREATE_TIME order. Returns the type id."""
    type_id = store.put_artifact_type(mlmd.ArtifactType(name="Row"))
    ids: list[int] = []
    for start in range(0, ROWS, 100):
        ids += _put(caller, type_id, [f"r{i:04d}" for i in range(start, start + 100)])
    # Update every seventh row, newest first, in two batches.
    for batch in (ids[::-7][:70], ids[::-7][70:]):
        caller.call(
            "PutArtifacts",
            mlmd.PutArtifactsRequest(
                artifacts=[mlmd.Artifact(id=i, type_id=type_id, uri=f"/moved/{i}") for i in batch]
            ),
        )
    return type_id


def _all(caller: Any) -> list[Any]:
    return list(caller.call("GetArtifacts", mlmd.GetArtifactsRequest()).artifacts)


def _expected(artifacts: list[Any], field: int, asc: bool) -> list[int]:
    key = _COLUMN[field]
    ordered = sorted(artifacts, key=lambda a: (key(a), a.id), reverse=not asc)
    return [a.id for a in ordered]


def _options(field: int, asc: bool, size: int = PAGE, token: str = "") -> Any:
    return list_options(field, asc, size, token)


_page = artifact_page


@pytest.mark.parametrize(("field", "asc"), ORDERS)
def test_pages_concatenate_to_the_full_ordered_list(
    caller: Any, rows: int, field: int, asc: bool
) -> None:
    expected = _expected(_all(caller), field, asc)
    assert len(expected) == ROWS

    got: list[int] = []
    sizes: list[int] = []
    token = ""
    while True:
        ids, token = _page(caller, _options(field, asc, token=token))
        got += ids
        sizes.append(len(ids))
        if not token:
            break

    assert got == expected
    assert sizes == [PAGE] * (ROWS // PAGE) + [ROWS % PAGE]


@pytest.mark.parametrize(("field", "asc"), ORDERS)
def test_pages_never_repeat_or_skip_while_another_writer_inserts(
    caller: Any, rows: int, field: int, asc: bool
) -> None:
    before = _expected(_all(caller), field, asc)
    got: list[int] = []
    token = ""
    inserted = 0
    while True:
        ids, token = _page(caller, _options(field, asc, token=token))
        got += ids
        if not token:
            break
        # Another writer adds rows between page fetches.
        _put(caller, rows, [f"late{inserted + i}" for i in range(3)])
        inserted += 3

    assert len(got) == len(set(got)), "a row was returned twice"
    original = [i for i in got if i in set(before)]
    assert original == before, "a row that existed at the start was skipped or misplaced"
    # Whatever new rows appear, the whole sequence is still in order.
    everything = {a.id: a for a in _all(caller)}
    assert got == _expected([everything[i] for i in got], field, asc)


@pytest.mark.parametrize(("field", "asc"), ORDERS)
def test_filtered_pages_concatenate(caller: Any, rows: int, field: int, asc: bool) -> None:
    everything = _all(caller)
    expected = _expected([a for a in everything if a.uri.startswith("/moved/")], field, asc)
    got: list[int] = []
    token = ""
    while True:
        options = _options(field, asc, size=9, token=token)
        options.filter_query = "uri LIKE '/moved/%'"
        ids, token = _page(caller, options)
        got += ids
        if not token:
            break

    assert got == expected
    assert len(got) == len(range(0, ROWS, 7))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((ID, True), (ID, False)),
        ((ID, True), (CREATE_TIME, True)),
        ((CREATE_TIME, False), (LAST_UPDATE_TIME, False)),
        ((LAST_UPDATE_TIME, True), (LAST_UPDATE_TIME, False)),
    ],
)
def test_token_reused_with_other_order_is_invalid_argument(
    caller: Any, rows: int, first: tuple[int, bool], second: tuple[int, bool]
) -> None:
    _, token = _page(caller, _options(*first))
    assert token

    with pytest.raises(InvalidArgumentError):
        _page(caller, _options(*second, token=token))


def test_token_reused_with_other_filter_is_invalid_argument(caller: Any, rows: int) -> None:
    _, token = _page(caller, _options(ID, True))
    options = _options(ID, True, token=token)
    options.filter_query = "uri LIKE '/moved/%'"

    with pytest.raises(InvalidArgumentError):
        _page(caller, options)


@pytest.mark.parametrize("token", ["garbage!!", "AAAA", "bm90IGEgdG9rZW4="])
def test_malformed_token_is_invalid_argument(caller: Any, rows: int, token: str) -> None:
    with pytest.raises(InvalidArgumentError):
        _page(caller, _options(ID, True, token=token))


def test_token_is_reusable_for_the_same_page(caller: Any, rows: int) -> None:
    _, token = _page(caller, _options(CREATE_TIME, False))

    assert _page(caller, _options(CREATE_TIME, False, token=token)) == _page(
        caller, _options(CREATE_TIME, False, token=token)
    )


@pytest.mark.parametrize(("field", "asc"), ORDERS)
def test_max_result_size_500_returns_500(caller: Any, rows: int, field: int, asc: bool) -> None:
    expected = _expected(_all(caller), field, asc)

    first, token = _page(caller, _options(field, asc, size=500))
    second, last = _page(caller, _options(field, asc, size=500, token=token))

    assert first == expected[:500]
    assert token
    assert second == expected[500:]
    assert last == ""


def test_page_size_larger_than_the_table_returns_everything(caller: Any, rows: int) -> None:
    ids, token = _page(caller, _options(ID, True, size=5000))

    assert len(ids) == ROWS
    assert token == ""


def test_exact_fit_last_page_has_no_token(caller: Any, rows: int) -> None:
    ids, token = _page(caller, _options(ID, True, size=ROWS))

    assert len(ids) == ROWS
    assert token == ""


def test_default_page_size_is_20(caller: Any, rows: int) -> None:
    response = caller.call(
        "GetArtifacts", mlmd.GetArtifactsRequest(options=mlmd.ListOperationOptions())
    )

    assert len(response.artifacts) == 20
    assert response.next_page_token


@pytest.mark.parametrize("size", [0, -1])
def test_non_positive_page_size_is_invalid_argument(caller: Any, rows: int, size: int) -> None:
    with pytest.raises(InvalidArgumentError):
        _page(caller, _options(ID, True, size=size))


@pytest.mark.parametrize(("field", "asc"), ORDERS)
def test_paging_executions_and_contexts(caller: Any, store: Any, field: int, asc: bool) -> None:
    e_type = store.put_execution_type(mlmd.ExecutionType(name="Job"))
    c_type = store.put_context_type(mlmd.ContextType(name="Group"))
    for start in range(0, 300, 100):
        caller.call(
            "PutExecutions",
            mlmd.PutExecutionsRequest(
                executions=[mlmd.Execution(type_id=e_type) for _ in range(100)]
            ),
        )
        caller.call(
            "PutContexts",
            mlmd.PutContextsRequest(
                contexts=[
                    mlmd.Context(type_id=c_type, name=f"c{i}") for i in range(start, start + 100)
                ]
            ),
        )
    for method, request, field_name in (
        ("GetExecutions", mlmd.GetExecutionsRequest, "executions"),
        ("GetContexts", mlmd.GetContextsRequest, "contexts"),
    ):
        nodes = list(getattr(caller.call(method, request()), field_name))
        expected = _expected(nodes, field, asc)
        got: list[int] = []
        token = ""
        while True:
            response = caller.call(method, request(options=_options(field, asc, token=token)))
            got += [n.id for n in getattr(response, field_name)]
            token = response.next_page_token
            if not token:
                break
        assert got == expected, method
