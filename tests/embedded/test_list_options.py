"""``mdstore.ListOptions``: ml_metadata's list options, and ``list_all`` following
page tokens on a fake ``call``."""

from __future__ import annotations

from typing import Any

import pytest

import mdstore
from mdstore.embedded.list_options import PAGE_SIZE, ListOptions, OrderByField, list_all
from mdstore.errors import InvalidArgumentError
from mdstore.wire import mlmd


def test_list_options_match_ml_metadata() -> None:
    assert ListOptions() == ListOptions(limit=None, order_by=None, is_asc=True, filter_query=None)
    assert {m.name: m.value for m in OrderByField} == {"CREATE_TIME": 1, "UPDATE_TIME": 2, "ID": 3}
    assert mdstore.ListOptions is ListOptions
    assert mdstore.OrderByField is OrderByField


def _paged_call(rows: list[int], sent: list[Any]) -> Any:
    """A fake ``call`` serving ``rows`` as artifact ids, honouring page size and token."""

    def call(method: str, request: Any) -> Any:
        sent.append(mlmd.GetArtifactsRequest.FromString(request.SerializeToString()))
        start = int(request.options.next_page_token or 0)
        size = request.options.max_result_size or 20
        page = rows[start : start + size]
        response = mlmd.GetArtifactsResponse(artifacts=[mlmd.Artifact(id=i) for i in page])
        if start + size < len(rows):
            response.next_page_token = str(start + size)
        return response

    return call


def test_list_all_follows_page_tokens_to_the_end() -> None:
    sent: list[Any] = []
    call = _paged_call(list(range(1, 251)), sent)
    got = list_all(call, "GetArtifacts", "artifacts", mlmd.GetArtifactsRequest(), ListOptions())
    assert [a.id for a in got] == list(range(1, 251))
    assert [r.options.max_result_size for r in sent] == [PAGE_SIZE] * 3


def test_list_all_stops_at_the_limit_and_sends_the_options() -> None:
    sent: list[Any] = []
    options = ListOptions(
        limit=130, order_by=OrderByField.UPDATE_TIME, is_asc=False, filter_query="uri = 'x'"
    )
    call = _paged_call(list(range(1, 251)), sent)
    got = list_all(call, "GetArtifacts", "artifacts", mlmd.GetArtifactsRequest(), options)
    assert [a.id for a in got] == list(range(1, 131))
    assert [r.options.max_result_size for r in sent] == [PAGE_SIZE, 30]
    first = sent[0].options
    assert first.order_by_field.field == mlmd.ListOperationOptions.OrderByField.LAST_UPDATE_TIME
    assert not first.order_by_field.is_asc
    assert first.filter_query == "uri = 'x'"


def test_list_all_without_options_sends_none() -> None:
    sent: list[Any] = []
    got = list_all(
        _paged_call([1, 2, 3], sent), "GetArtifacts", "artifacts", mlmd.GetArtifactsRequest()
    )
    assert [a.id for a in got] == [1, 2, 3]
    assert not sent[0].HasField("options")


def test_negative_limit_is_invalid() -> None:
    with pytest.raises(InvalidArgumentError, match="limit"):
        list_all(
            _paged_call([], []),
            "GetArtifacts",
            "artifacts",
            mlmd.GetArtifactsRequest(),
            ListOptions(limit=-1),
        )
