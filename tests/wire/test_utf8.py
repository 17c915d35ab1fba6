"""check_utf8: one serialize-and-reparse as the message's strict twin, the walk only on failure.

proto2 string fields are not UTF-8-checked by the parser, so a request can carry
bytes that are not text. Each case below plants a marker in one string field,
swaps it for invalid UTF-8 on the wire and parses the request back, as a client
sending such bytes would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdstore.errors import InvalidArgumentError
from mdstore.wire import mlmd, utf8
from mdstore.wire.utf8 import check_utf8

MARKER = "@@@@"
NOT_UTF8 = b"\xff\xfe\xfd\xfc"
INT = mlmd.PropertyType.values_by_name["INT"].number


def corrupt(request: Any) -> Any:
    data = request.SerializeToString()
    assert data.count(MARKER.encode()) == 1
    return type(request).FromString(data.replace(MARKER.encode(), NOT_UTF8))


def _artifact(**fields: Any) -> Any:
    return mlmd.Artifact(type_id=1, **fields)


def _with_property(key: str, value: str) -> Any:
    artifact = _artifact(uri="u")
    artifact.custom_properties[key].string_value = value
    return artifact


# Where a bad string may hide: top level, nested, repeated, map key, map value, deep.
CASES: dict[str, Callable[[], Any]] = {
    "node name": lambda: mlmd.PutArtifactsRequest(artifacts=[_artifact(name=MARKER)]),
    "node uri": lambda: mlmd.PutArtifactsRequest(artifacts=[_artifact(uri=MARKER)]),
    "external id": lambda: mlmd.PutArtifactsRequest(
        artifacts=[_artifact(), _artifact(external_id=MARKER)]
    ),
    "property key": lambda: mlmd.PutArtifactsRequest(artifacts=[_with_property(MARKER, "v")]),
    "property value": lambda: mlmd.PutArtifactsRequest(artifacts=[_with_property("k", MARKER)]),
    "type name": lambda: mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType(name=MARKER)),
    "type property key (enum-valued map)": lambda: mlmd.PutExecutionTypeRequest(
        execution_type=mlmd.ExecutionType(name="T", properties={MARKER: INT})
    ),
    "event path step": lambda: mlmd.PutEventsRequest(
        events=[mlmd.Event(path=mlmd.Event.Path(steps=[mlmd.Event.Path.Step(key=MARKER)]))]
    ),
    "context in PutExecution": lambda: mlmd.PutExecutionRequest(
        execution=mlmd.Execution(type_id=1), contexts=[mlmd.Context(type_id=2, name=MARKER)]
    ),
    "repeated lookup key": lambda: mlmd.GetArtifactsByExternalIdsRequest(
        external_ids=["a", MARKER, "b"]
    ),
    "type name lookup": lambda: mlmd.GetArtifactTypeRequest(type_name=f"T{MARKER}"),
    "filter query": lambda: mlmd.GetArtifactsRequest(
        options=mlmd.ListOperationOptions(filter_query=f"uri = '{MARKER}'")
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_invalid_utf8_is_invalid_argument(case: str) -> None:
    request = corrupt(CASES[case]())

    with pytest.raises(InvalidArgumentError, match="not valid UTF-8"):
        check_utf8(request)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_same_request_with_text_passes(case: str) -> None:
    check_utf8(CASES[case]())


def test_the_error_names_the_field() -> None:
    request = corrupt(mlmd.PutArtifactsRequest(artifacts=[_artifact(), _artifact(uri=MARKER)]))

    with pytest.raises(InvalidArgumentError, match=r"ml_metadata\.Artifact\.uri"):
        check_utf8(request)


def test_a_valid_request_never_walks_its_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path: one C-level reparse, no per-field Python for good requests."""

    def walk(_message: Any) -> None:
        raise AssertionError("the field walk ran for a valid request")

    monkeypatch.setattr(utf8, "_check_fields", walk)
    request = mlmd.PutArtifactsRequest(artifacts=[_with_property(f"k{i}", "v") for i in range(50)])

    check_utf8(request)


def test_unknown_fields_are_left_alone() -> None:
    # Field 999 is not in Artifact: both runtimes keep it as unknown bytes, unchecked.
    unknown = b"\xba\x3e\x04" + NOT_UTF8  # tag (999, length-delimited), length 4, payload
    artifact = mlmd.Artifact.FromString(_artifact(uri="u").SerializeToString() + unknown)

    check_utf8(mlmd.PutArtifactsRequest(artifacts=[artifact]))


@pytest.mark.parametrize("case", sorted(CASES))
def test_without_a_strict_twin_the_walk_still_catches_it(
    monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.setattr(utf8, "_strict_class", lambda _descriptor: None)

    with pytest.raises(InvalidArgumentError, match="not valid UTF-8"):
        check_utf8(corrupt(CASES[case]()))
    check_utf8(CASES[case]())


def test_the_twin_is_built_once_per_message_type() -> None:
    descriptor = mlmd.PutContextsRequest.DESCRIPTOR

    first = utf8._strict_class(descriptor)

    assert first is not None
    assert utf8._strict_class(descriptor) is first
    assert first.DESCRIPTOR.full_name == descriptor.full_name


TEXT = st.text(max_size=40)  # any Unicode text protobuf accepts (no lone surrogates)


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(TEXT, max_size=5),
    props=st.dictionaries(TEXT, TEXT, max_size=5),
    bad=st.integers(min_value=0, max_value=10),
)
def test_any_text_passes_and_any_planted_byte_is_caught(
    names: list[str], props: dict[str, str], bad: int
) -> None:
    artifacts = [_artifact(name=n, uri=n) for n in names]
    holder = _artifact(uri="holder")
    for key, value in props.items():
        holder.custom_properties[key].string_value = value
    request = mlmd.PutArtifactsRequest(artifacts=[*artifacts, holder])
    check_utf8(request)

    # Plant the marker in one string (a name, a key or a value) and corrupt it.
    planted = mlmd.PutArtifactsRequest()
    planted.CopyFrom(request)
    if bad % 3 == 0 or not props:
        planted.artifacts[-1].name = MARKER
    elif bad % 3 == 1:
        planted.artifacts[-1].custom_properties[MARKER].int_value = 1
    else:
        planted.artifacts[-1].custom_properties["marker-holder"].string_value = MARKER
    if planted.SerializeToString().count(MARKER.encode()) != 1:
        return  # the random text itself contained the marker
    with pytest.raises(InvalidArgumentError):
        check_utf8(corrupt(planted))
