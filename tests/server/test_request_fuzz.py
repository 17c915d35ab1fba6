"""Property-based fuzzing of request messages through the real gRPC stub.

For each of the 52 ``ml_metadata.MetadataStoreService`` RPCs, hypothesis builds
random requests (scalars incl. negative ids and huge ints, empty/long/unicode
strings, random enum numbers, nested messages and maps, and random bytes parsed
as the request type) and sends them to one in-process server on SQLite seeded
with a small graph. No answer may be INTERNAL or UNKNOWN, and the server must keep
answering. filter_query strings are fuzzed through GetArtifacts, and no string
literal of a filter may reach the database inside SQL text (bound parameters only).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from mdstore.server.app import create_server
from mdstore.service.dispatch import Service
from mdstore.wire import MLMD_SERVICE, mlmd, service_methods
from tests.helpers.grpc import CLIENT_OPTIONS, Stub

pytestmark = pytest.mark.xdist_group("request-fuzz")

METHODS = list(service_methods(MLMD_SERVICE))
BAD = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNAVAILABLE}
MARKER = "zqxj"  # appears only in fuzzed filter string literals
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

_T = FieldDescriptor
INT_RANGES = {
    _T.TYPE_INT32: (-(2**31), 2**31 - 1),
    _T.TYPE_SINT32: (-(2**31), 2**31 - 1),
    _T.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    _T.TYPE_INT64: (-(2**63), 2**63 - 1),
    _T.TYPE_SINT64: (-(2**63), 2**63 - 1),
    _T.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    _T.TYPE_UINT32: (0, 2**32 - 1),
    _T.TYPE_FIXED32: (0, 2**32 - 1),
    _T.TYPE_UINT64: (0, 2**64 - 1),
    _T.TYPE_FIXED64: (0, 2**64 - 1),
}
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
STRINGS = st.one_of(
    st.just(""),
    st.sampled_from(["a", "Dataset", "Trainer", "Pipeline", "in", "/uri", "name = 'in'"]),
    TEXT,
    st.integers(250, 300).map(lambda n: "x" * n),
    st.just("名前🙂"),
)


class Server:
    def __init__(self, path: Path) -> None:
        self.service = Service(f"sqlite:///{path}", pool_size=4)
        self.statements: list[str] = []
        event.listen(self.service.database.engine, "before_cursor_execute", self._record)
        self.server, port = create_server(self.service, "127.0.0.1:0", max_workers=8)
        self.server.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=CLIENT_OPTIONS)
        self.stub = Stub(self.channel, MLMD_SERVICE)
        self._seed()

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if MARKER in statement:
            self.statements.append(statement)

    def _seed(self) -> None:
        types = self.stub.PutTypes(
            mlmd.PutTypesRequest(
                artifact_types=[mlmd.ArtifactType(name="Dataset", properties={"v": 1, "s": 3})],
                execution_types=[mlmd.ExecutionType(name="Trainer", properties={"lr": 2})],
                context_types=[mlmd.ContextType(name="Pipeline")],
            )
        )
        a_type, e_type, c_type = (
            types.artifact_type_ids[0],
            types.execution_type_ids[0],
            types.context_type_ids[0],
        )
        a = self.stub.PutArtifacts(
            mlmd.PutArtifactsRequest(
                artifacts=[
                    mlmd.Artifact(type_id=a_type, name=n, uri=f"/{n}") for n in ("in", "out")
                ]
            )
        ).artifact_ids
        [e] = self.stub.PutExecutions(
            mlmd.PutExecutionsRequest(executions=[mlmd.Execution(type_id=e_type, name="run")])
        ).execution_ids
        self.stub.PutEvents(
            mlmd.PutEventsRequest(
                events=[
                    mlmd.Event(artifact_id=a[0], execution_id=e, type=mlmd.Event.INPUT),
                    mlmd.Event(artifact_id=a[1], execution_id=e, type=mlmd.Event.OUTPUT),
                ]
            )
        )
        c = self.stub.PutContexts(
            mlmd.PutContextsRequest(
                contexts=[mlmd.Context(type_id=c_type, name=n) for n in ("p", "q")]
            )
        ).context_ids
        self.stub.PutParentContexts(
            mlmd.PutParentContextsRequest(
                parent_contexts=[mlmd.ParentContext(child_id=c[1], parent_id=c[0])]
            )
        )

    def check(self, method: str, request: Any) -> None:
        failure: Any = None
        try:
            getattr(self.stub, method)(request, timeout=30)
        except grpc.RpcError as error:
            failure = error
        if failure is not None:
            code = failure.code()
            assert code not in BAD, (
                f"{method} answered {code.name}: {failure.details()}\nrequest: {request!r}"
            )

    def alive(self) -> None:
        self.stub.GetArtifactTypes(mlmd.GetArtifactTypesRequest(), timeout=10)

    def close(self) -> None:
        self.channel.close()
        self.server.stop(None).wait()
        self.service.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("fuzz") / "fuzz.db")
    yield running
    running.close()


def _scalar(data: st.DataObject, field: Any) -> Any:
    kind = field.type
    if kind in INT_RANGES:
        low, high = INT_RANGES[kind]
        return data.draw(
            st.one_of(
                st.integers(-3, 8).filter(lambda n: low <= n <= high),
                st.sampled_from([low, high, 0, 1, 2**31 - 1]).filter(lambda n: low <= n <= high),
                st.integers(low, high),
            )
        )
    if kind in (_T.TYPE_DOUBLE, _T.TYPE_FLOAT):
        return data.draw(st.floats(width=32 if kind == _T.TYPE_FLOAT else 64))
    if kind == _T.TYPE_BOOL:
        return data.draw(st.booleans())
    if kind == _T.TYPE_STRING:
        return data.draw(STRINGS)
    if kind == _T.TYPE_BYTES:
        return data.draw(st.binary(max_size=40))
    if kind == _T.TYPE_ENUM:
        numbers = [v.number for v in field.enum_type.values]
        return data.draw(st.one_of(st.sampled_from(numbers), st.integers(-2, 40)))
    raise AssertionError(f"unhandled field type {kind}")


def _repeated(field: Any) -> bool:
    flag = getattr(field, "is_repeated", None)
    return bool(flag) if flag is not None else field.label == _T.LABEL_REPEATED


def _set(message: Any, field: Any, value: Any, append: bool) -> None:
    try:
        if append:
            getattr(message, field.name).append(value)
        else:
            setattr(message, field.name, value)
    except (ValueError, TypeError):
        pass  # e.g. an enum number a closed (proto2) enum rejects


def _fill(data: st.DataObject, message: Any, depth: int) -> Any:
    for field in message.DESCRIPTOR.fields:
        if not data.draw(st.booleans()):
            continue
        is_message = field.type == _T.TYPE_MESSAGE
        if is_message and depth >= 3:
            continue
        repeated = _repeated(field)
        if is_message and field.message_type.GetOptions().map_entry:
            key_field = field.message_type.fields_by_name["key"]
            value_field = field.message_type.fields_by_name["value"]
            target = getattr(message, field.name)
            for _ in range(data.draw(st.integers(0, 2))):
                key = _scalar(data, key_field)
                try:
                    if value_field.type == _T.TYPE_MESSAGE:
                        _fill(data, target[key], depth + 1)
                    else:
                        target[key] = _scalar(data, value_field)
                except (ValueError, TypeError):
                    pass
            continue
        count = data.draw(st.integers(0, 3)) if repeated else 1
        for _ in range(count):
            if is_message:
                child = getattr(message, field.name).add() if repeated else None
                if child is None:
                    child = getattr(message, field.name)
                    child.SetInParent()
                _fill(data, child, depth + 1)
            else:
                _set(message, field, _scalar(data, field), repeated)
    return message


@pytest.mark.parametrize(
    ("method", "request_class"), [(m, r) for m, r, _ in METHODS], ids=[m for m, _, _ in METHODS]
)
@FUZZ
@given(data=st.data())
def test_random_requests_never_fail_internally(
    server: Server, method: str, request_class: Any, data: st.DataObject
) -> None:
    request = _fill(data, request_class(), 0)

    server.check(method, request)


@pytest.mark.parametrize(
    ("method", "request_class"), [(m, r) for m, r, _ in METHODS], ids=[m for m, _, _ in METHODS]
)
@FUZZ
@given(raw=st.binary(max_size=200))
def test_random_bytes_as_requests_never_fail_internally(
    server: Server, method: str, request_class: Any, raw: bytes
) -> None:
    try:
        request = request_class.FromString(raw)
    except DecodeError:
        return
    server.check(method, request)


def test_server_still_answers_after_fuzzing(server: Server) -> None:
    server.alive()
    assert len(METHODS) == 52


# --- filter_query -------------------------------------------------------------------

FIELDS = [
    "id", "type_id", "type", "name", "external_id", "uri", "state",
    "create_time_since_epoch", "last_update_time_since_epoch",
    "properties.v.int_value", "properties.s.string_value", "custom_properties.c.double_value",
    f"properties.{MARKER}.int_value", f"custom_properties.`{MARKER} x`.string_value",
    "properties.`a b`.bool_value", "contexts_a.name", "contexts_a.id", "events_e.type",
    "events_e.execution_id", "LOWER(name)", "LOWER(uri)",
]  # fmt: skip
OPERATORS = ["=", "!=", "<", "<=", ">", ">=", "LIKE", "IN", "NOT IN", "BETWEEN", "IS NULL",
             "IS NOT NULL"]  # fmt: skip
LITERALS = st.one_of(
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["LIVE", "OUTPUT", "COMPLETE", "TRUE", "false", "NULL", "''"]),
    TEXT.map(lambda s: "'" + MARKER + s.replace("'", "''").replace("\\", "") + "'"),
    TEXT.map(lambda s: "'" + MARKER + "'; DROP TABLE Artifact; --" + s.replace("'", "") + "'"),
    st.just(f"('{MARKER}', 1, 2)"),
    st.just(f"'{MARKER}a' AND '{MARKER}b'"),
)


@st.composite
def comparisons(draw: Any) -> str:
    field = draw(st.sampled_from(FIELDS))
    op = draw(st.sampled_from(OPERATORS))
    if op.startswith("IS"):
        return f"{field} {op}"
    if op.endswith("IN"):
        return f"{field} {op} ({', '.join(draw(st.lists(LITERALS, min_size=1, max_size=3)))})"
    if op == "BETWEEN":
        return f"{field} BETWEEN {draw(LITERALS)} AND {draw(LITERALS)}"
    return f"{field} {op} {draw(LITERALS)}"


QUERIES = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(" ".join),
        inner.map(lambda q: f"NOT ({q})"),
        inner.map(lambda q: f"({q})"),
    ),
    max_leaves=4,
)
TOKENS = st.lists(
    st.one_of(
        st.sampled_from(FIELDS + OPERATORS + ["AND", "OR", "NOT", "(", ")", ",", "`", "'", "."]),
        LITERALS,
        TEXT,
    ),
    max_size=8,
).map(" ".join)


@settings(FUZZ, max_examples=100)
@given(query=st.one_of(QUERIES, TOKENS, TEXT))
def test_filter_queries_never_fail_internally(server: Server, query: str) -> None:
    options = mlmd.ListOperationOptions(filter_query=query, max_result_size=5)

    server.check("GetArtifacts", mlmd.GetArtifactsRequest(options=options))
    server.check("GetContexts", mlmd.GetContextsRequest(options=options))
    server.check(
        "GetLineageSubgraph",
        mlmd.GetLineageSubgraphRequest(
            lineage_subgraph_query_options=mlmd.LineageSubgraphQueryOptions(
                starting_artifacts=mlmd.LineageSubgraphQueryOptions.StartingNodes(
                    filter_query=query
                ),
                max_num_hops=2,
            )
        ),
    )

    assert server.statements == [], "a filter literal reached the database as SQL text"


def test_server_still_answers_after_filter_fuzzing(server: Server) -> None:
    server.alive()
