"""The filter-query oracle table: one data set and the queries asked of it.

The same data is written, in the same order, into ml-metadata 1.17.1 (in-process,
its fake SQLite database, run by filter_oracle_script.py in .venv-mlmd) and into
mdstore; every query must return the same node names, or fail with the same error
class, in both. Only this module's plain Python is shared: ``populate`` and
``run_cases`` take the store and the proto module of either side.

Ids differ between the two stores (ml-metadata registers built-in types first), so
queries name them as placeholders: ``{artifact_d1}``, ``{type_Dataset}``, ...

A few cases are known divergences, where ml-metadata has a bug (an INTERNAL error
for a field it advertises, or a valid enum name it rejects); they record both
answers and why mdstore differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INT, DOUBLE, STRING, BOOLEAN = 1, 2, 3, 6


@dataclass(frozen=True)
class Case:
    """One query; ``expect``/``mlmd_gives`` are set only for known divergences."""

    kind: str  # "artifact", "execution" or "context"
    query: str
    expect: Any = None  # what mdstore returns when it deliberately differs
    mlmd_gives: Any = None  # what ml-metadata returns then
    why: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}: {self.query}"


def _set(target: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, bool):
            target[name].bool_value = value
        elif isinstance(value, int):
            target[name].int_value = value
        elif isinstance(value, float):
            target[name].double_value = value
        else:
            target[name].string_value = value


def _node(cls: Any, type_id: int, name: str | None, fields: dict[str, Any]) -> Any:
    node = cls(type_id=type_id)
    if name is not None:
        node.name = name
    _set(node.properties, fields.pop("props", {}))
    _set(node.custom_properties, fields.pop("custom", {}))
    for field, value in fields.items():
        setattr(node, field, value)
    return node


def _put_type(put: Any, cls: Any, name: str, properties: dict[str, int]) -> int:
    message = cls(name=name)
    for key, data_type in properties.items():
        message.properties[key] = data_type
    return int(put(message))


# (name, type, fields) in insertion order; None is a node without a name.
ARTIFACTS = [
    ("d1", "Dataset", {"uri": "s3://bucket/d1", "state": "LIVE",
                       "props": {"count": 10, "score": 0.5, "label": "train", "flag": True},
                       "custom": {"split": "train", "version": 1}}),
    ("d2", "Dataset", {"uri": "s3://bucket/d2", "state": "PENDING", "external_id": "ext-d2",
                       "props": {"count": 20, "label": "Eval", "flag": False},
                       "custom": {"version": 2}}),
    ("D3", "Dataset", {"uri": "gs://other/D3", "state": "DELETED", "props": {"score": 1.5},
                       "custom": {"note": "a\\b", "odd name": "x"}}),
    ("m1", "Model", {"uri": "s3://models/m1", "state": "LIVE",
                     "props": {"count": 1, "my prop": "hello"},
                     "custom": {"accuracy": 0.91, "version": 2, "tag": "prod"}}),
    ("m2", "Model", {"uri": "s3://models/m2", "state": "MARKED_FOR_DELETION",
                     "props": {"count": 2}, "custom": {"accuracy": 0.85, "approved": False}}),
    (None, "Model", {"uri": "file:///tmp/x"}),
    ("données", "Dataset", {"uri": "s3://bucket/ab", "state": "ABANDONED"}),
]  # fmt: skip
EXECUTIONS = [
    ("train1", "Trainer", {"last_known_state": "RUNNING",
                           "props": {"epochs": 5, "lr": 0.01, "mode": "fast", "ok": True},
                           "custom": {"seed": 42}}),
    ("train2", "Trainer", {"last_known_state": "COMPLETE", "external_id": "ext-t2",
                           "props": {"epochs": 10, "mode": "Slow"}}),
    ("eval1", "Evaluator", {"last_known_state": "FAILED", "custom": {"threshold": 0.8}}),
    ("eval2", "Evaluator", {}),
    (None, "Trainer", {"last_known_state": "CACHED"}),
]  # fmt: skip
CONTEXTS = [
    ("p1", "Pipeline", {"props": {"owner": "alice", "size": 3}, "custom": {"env": "prod"}}),
    ("p2", "Pipeline", {"props": {"owner": "Bob"}}),
    ("r1", "Run", {"custom": {"attempt": 1}}),
    ("r2", "Run", {"external_id": "ext-r2"}),
    ("r3", "Run", {}),
]
ATTRIBUTIONS = [("d1", "p1"), ("d1", "r1"), ("d2", "p1"), ("d2", "r2"), ("m1", "p1"),
                ("m1", "r1"), ("m2", "p2"), ("D3", "r2")]  # fmt: skip
ASSOCIATIONS = [("train1", "p1"), ("train1", "r1"), ("train2", "p1"), ("train2", "r2"),
                ("eval1", "p2"), (None, "p2")]  # fmt: skip
# (child, parent)
PARENTS = [("r1", "p1"), ("r2", "p1"), ("r3", "p2"), ("r1", "p2")]
# (artifact, execution, event type, milliseconds or None for "now")
EVENTS = [
    ("d1", "train1", "INPUT", 1000),
    ("m1", "train1", "OUTPUT", 2000),
    ("D3", "train1", "INPUT", 1500),
    ("d2", "train2", "INPUT", None),
    ("m2", "train2", "OUTPUT", 3000),
    ("m1", "eval1", "INPUT", 4000),
    ("d1", "eval1", "DECLARED_INPUT", 5000),
]
ARTIFACT_TYPES = {
    "Dataset": {"count": INT, "score": DOUBLE, "label": STRING, "flag": BOOLEAN},
    "Model": {"count": INT, "my prop": STRING},
}
EXECUTION_TYPES = {
    "Trainer": {"epochs": INT, "lr": DOUBLE, "mode": STRING, "ok": BOOLEAN},
    "Evaluator": {},
}
CONTEXT_TYPES = {"Pipeline": {"owner": STRING, "size": INT}, "Run": {}}


def populate(store: Any, pb: Any) -> dict[str, int]:
    """Writes the data set; returns the placeholder -> id map for the queries."""
    ids: dict[str, int] = {}
    for puts, cls, types in (
        (store.put_artifact_type, pb.ArtifactType, ARTIFACT_TYPES),
        (store.put_execution_type, pb.ExecutionType, EXECUTION_TYPES),
        (store.put_context_type, pb.ContextType, CONTEXT_TYPES),
    ):
        for name, properties in types.items():
            ids[f"type_{name}"] = _put_type(puts, cls, name, properties)
    for label, cls, put, rows, enum_field in (
        ("artifact", pb.Artifact, store.put_artifacts, ARTIFACTS, "state"),
        ("execution", pb.Execution, store.put_executions, EXECUTIONS, "last_known_state"),
        ("context", pb.Context, store.put_contexts, CONTEXTS, None),
    ):
        nodes = []
        for name, type_name, fields in rows:
            fields = dict(fields)
            if enum_field in fields:
                fields[enum_field] = getattr(cls, fields[enum_field])
            nodes.append(_node(cls, ids[f"type_{type_name}"], name, fields))
        for (name, _, _), node_id in zip(rows, put(nodes), strict=True):
            ids[f"{label}_{name or 'nameless'}"] = int(node_id)
    store.put_attributions_and_associations(
        [pb.Attribution(artifact_id=ids[f"artifact_{a}"], context_id=ids[f"context_{c}"])
         for a, c in ATTRIBUTIONS],
        [pb.Association(execution_id=ids[f"execution_{e or 'nameless'}"],
                        context_id=ids[f"context_{c}"]) for e, c in ASSOCIATIONS],
    )  # fmt: skip
    store.put_parent_contexts(
        [pb.ParentContext(child_id=ids[f"context_{c}"], parent_id=ids[f"context_{p}"])
         for c, p in PARENTS]
    )  # fmt: skip
    events = []
    for artifact, execution, event_type, millis in EVENTS:
        event = pb.Event(
            artifact_id=ids[f"artifact_{artifact}"],
            execution_id=ids[f"execution_{execution}"],
            type=getattr(pb.Event, event_type),
        )
        if millis is not None:
            event.milliseconds_since_epoch = millis
        events.append(event)
    store.put_events(events)
    return ids


def run_cases(store: Any, list_options: Any, ids: dict[str, int]) -> dict[str, Any]:
    """Each case's sorted node names, or the class name of the error it raised."""
    listers = {
        "artifact": store.get_artifacts,
        "execution": store.get_executions,
        "context": store.get_contexts,
    }
    results: dict[str, Any] = {}
    for case in CASES:
        query = case.query.format(**ids)
        try:
            nodes = listers[case.kind](list_options=list_options(filter_query=query))
            results[case.key] = sorted(node.name for node in nodes)
        except Exception as e:  # noqa: BLE001  (the error class is the result)
            results[case.key] = type(e).__name__
    return results


def _cases(kind: str, *queries: str) -> list[Case]:
    return [Case(kind, q) for q in queries]


_BACKSLASH = (
    "ml-metadata writes string literals back into SQL with their backslashes escaped "
    "again, so a value holding a backslash never matches"
)
_INTERNAL = "ml-metadata selects the field in its SQL join but not in the joined subquery"

CASES: list[Case] = [
    # ---- artifacts: attributes and every operator
    *_cases(
        "artifact",
        "id = {artifact_d1}",
        "id != {artifact_d1}",
        "id <> {artifact_d2}",
        "id < {artifact_m1}",
        "id <= {artifact_m1}",
        "id > {artifact_m1}",
        "id >= {artifact_m1}",
        "id IN ({artifact_d1}, {artifact_m2})",
        "id NOT IN ({artifact_d1}, {artifact_m2})",
        "id BETWEEN {artifact_d2} AND {artifact_m1}",
        "id NOT BETWEEN {artifact_d2} AND {artifact_m1}",
        "type_id = {type_Model}",
        "type_id != {type_Model}",
        "type = 'Dataset'",
        "type LIKE 'mod%'",
        "type IN ('Model', 'Nope')",
        "name = 'd1'",
        'name = "d2"',
        "name != 'd1'",
        "name = 'D3'",
        "name = 'd3'",
        "name < 'd2'",
        "name >= 'd2'",
        "name BETWEEN 'd1' AND 'm1'",
        "name NOT BETWEEN 'a' AND 'd2'",
        "name LIKE 'd%'",
        "name LIKE 'D_'",
        "name NOT LIKE 'd%'",
        "name LIKE '%1'",
        "name IN ('d1', 'm1', 'zz')",
        "name NOT IN ('d1', 'm1')",
        "name IS NULL",
        "name IS NOT NULL",
        "name = 'données'",
        "uri = 's3://bucket/d1'",
        "uri LIKE 's3://%'",
        "uri LIKE 'S3://BUCKET/%'",
        "uri NOT LIKE '%models%'",
        "external_id = 'ext-d2'",
        "external_id IS NULL",
        "external_id IS NOT NULL",
        "create_time_since_epoch > 0",
        "last_update_time_since_epoch >= create_time_since_epoch",
        "state = LIVE",
        "state != LIVE",
        "state IN (LIVE, PENDING)",
        "state NOT IN (LIVE)",
        "state IS NULL",
        "state = MARKED_FOR_DELETION OR state = DELETED",
        "state > 2",
        "(state) = 2",
        "state = -1",
        "state IN (2)",
        "(state IN (LIVE))",
        "NOT (state != LIVE)",
        "lower(name) = 'd3'",
        "upper(name) LIKE 'M%'",
        "LOWER(uri) = 'gs://other/d3'",
        "length(name) = 2",
        "abs(id - {artifact_m1}) <= 1",
        "id + 1 = {artifact_d2}",
        "id * 2 > 4",
        "id / 2 = 1",
        "- id = -{artifact_d1}",
        "(id = {artifact_d1}) = TRUE",
        "(name = 'd1') IS TRUE",
        "(name = 'd1') IS NOT TRUE",
        "(name = 'd1') IS FALSE",
        "TRUE",
        "NOT FALSE",
        "NULL IS NULL",
        "id IN (NULL, {artifact_d1})",
        "id = {artifact_d1} OR name = 'm2'",
        "id = {artifact_d1} AND name = 'm2'",
        "NOT (name = 'd1' OR name = 'd2')",
        "NOT name = 'd1' AND uri LIKE 's3://%'",
        "name = 'd1' OR name = 'd2' AND uri LIKE '%d1'",
        "(name = 'd1' OR name = 'd2') AND uri LIKE '%d1'",
        "name = 'd1' -- a comment",
        "NAME = 'd1'",
        "`name` = 'd2'",
        "id = 0x1",
        "name = r'd1'",
        "name = 'd\\x31'",
        "name = '''m2'''",
        "  id=1  ",
    ),
    # ---- artifacts: properties and custom properties
    *_cases(
        "artifact",
        "properties.count.int_value = 10",
        "properties.count.int_value > 1",
        "properties.count.int_value != 10",
        "NOT properties.count.int_value = 10",
        "properties.count.int_value IN (1, 20)",
        "properties.count.int_value BETWEEN 2 AND 15",
        "properties.count.int_value IS NOT NULL",
        "properties.count.string_value IS NULL",
        "properties.count.int_value = 10 OR name = 'D3'",
        "properties.score.double_value > 1",
        "properties.score.double_value = 0.5",
        "properties.score.double_value < 1e1",
        "properties.label.string_value = 'train'",
        "properties.label.string_value LIKE 'EVAL'",
        "properties.label.string_value > 'F'",
        "properties.flag.bool_value = true",
        "properties.flag.bool_value",
        "NOT properties.flag.bool_value",
        "properties.flag.bool_value != FALSE",
        "properties.`my prop`.string_value = 'hello'",
        "properties.0.int_value = 1",
        "properties.missing.int_value IS NULL",
        "custom_properties.version.int_value = 2",
        "custom_properties.version.int_value >= 1 AND properties.count.int_value < 15",
        "custom_properties.accuracy.double_value > 0.9",
        "custom_properties.accuracy.double_value IS NOT NULL",
        "custom_properties.tag.string_value = 'prod'",
        "custom_properties.split.string_value = 'train' AND "
        "properties.label.string_value = 'train'",
        "custom_properties.approved.bool_value = false",
        "custom_properties.`odd name`.string_value = 'x'",
        "custom_properties.count.int_value = 10",
        "properties.version.int_value = 2",
        "properties.count.int_value = custom_properties.version.int_value",
        "properties.count.int_value > 1 OR custom_properties.version.int_value = 2",
        "properties.count.INT_VALUE = 1",
        "properties.count.int_VALUE = 1",
    ),
    # ---- artifacts: contexts and events
    *_cases(
        "artifact",
        "contexts_a.name = 'p1'",
        "contexts_a.name = 'r2'",
        "contexts_a.type = 'Run'",
        "contexts_a.id = {context_p2}",
        "contexts_a.create_time_since_epoch > 0",
        "contexts_a.last_update_time_since_epoch > 0",
        "contexts_a.name LIKE 'P%'",
        "contexts_a.name != 'p1'",
        "NOT contexts_a.name = 'p1'",
        "contexts_a.name = 'p1' AND contexts_a.type = 'Run'",
        "contexts_a.name = 'p1' AND contexts_b.type = 'Run'",
        "contexts_a.name = 'p1' AND contexts_b.name = 'r2'",
        "contexts_a.name = 'p1' OR name = 'm2'",
        "contexts_a.name IN ('p2', 'r2')",
        "contexts_run.name = 'r1' AND properties.count.int_value > 5",
        "events_e.type = INPUT",
        "events_e.type = OUTPUT",
        "events_e.type != INPUT",
        "events_e.type IN (INPUT, DECLARED_INPUT)",
        "events_e.type NOT IN (INPUT)",
        "events_e.execution_id = {execution_train1}",
        "events_e.milliseconds_since_epoch = 1500",
        "events_e.milliseconds_since_epoch > 2500",
        "events_e.type = INPUT AND events_e.execution_id = {execution_eval1}",
        "events_e.type = INPUT AND events_f.execution_id = {execution_eval1}",
        "events_e.type = INPUT AND contexts_c.name = 'r2'",
    ),
    # ---- executions
    *_cases(
        "execution",
        "name = 'train1'",
        "name LIKE 'TRAIN%'",
        "type = 'Evaluator'",
        "type_id = {type_Trainer}",
        "external_id = 'ext-t2'",
        "last_known_state = RUNNING",
        "last_known_state != RUNNING",
        "last_known_state IN (COMPLETE, FAILED)",
        "last_known_state NOT IN (COMPLETE)",
        "last_known_state IS NULL",
        "last_known_state = LIVE",
        "properties.epochs.int_value >= 5",
        "properties.lr.double_value < 0.1",
        "properties.mode.string_value = 'slow'",
        "lower(properties.mode.string_value) = 'slow'",
        "properties.ok.bool_value",
        "custom_properties.seed.int_value = 42",
        "custom_properties.threshold.double_value BETWEEN 0.5 AND 1",
        "contexts_a.name = 'p2'",
        "contexts_a.type = 'Run' AND contexts_a.name = 'r2'",
        "contexts_a.id = {context_r1}",
        "events_e.type = OUTPUT",
        "events_e.artifact_id = {artifact_m1}",
        "events_e.type = INPUT AND events_e.artifact_id = {artifact_d1}",
        "events_e.milliseconds_since_epoch < 2000",
        "events_e.type > 3",
        "(events_e.type) = 3",
        "events_e.type = 'INPUT'",
        "id > {execution_train2} AND name IS NOT NULL",
    ),
    # ---- contexts
    *_cases(
        "context",
        "name = 'p1'",
        "name LIKE 'r%'",
        "type = 'Pipeline'",
        "external_id = 'ext-r2'",
        "properties.owner.string_value = 'alice'",
        "properties.owner.string_value LIKE 'b%'",
        "properties.size.int_value = 3",
        "custom_properties.env.string_value = 'prod'",
        "custom_properties.attempt.int_value = 1",
        "artifacts_a.name = 'd1'",
        "artifacts_a.uri LIKE 's3://models/%'",
        "artifacts_a.type = 'Model'",
        "artifacts_a.id = {artifact_m2}",
        "artifacts_a.state = LIVE",
        "artifacts_a.state IN (DELETED, PENDING)",
        "artifacts_a.name = 'd1' AND artifacts_a.name = 'm1'",
        "artifacts_a.name = 'd1' AND artifacts_b.name = 'm1'",
        "executions_e.name = 'train1'",
        "executions_e.last_known_state = COMPLETE",
        "executions_e.type = 'Evaluator'",
        "executions_e.name IS NULL",
        "executions_e.id = {execution_eval1}",
        "artifacts_a.name = 'D3' AND executions_e.name = 'train2'",
        "parent_contexts_p.name = 'p1'",
        "parent_contexts_p.type = 'Pipeline'",
        "parent_contexts_p.id = {context_p2}",
        "parent_contexts_p.name = 'p1' AND parent_contexts_q.name = 'p2'",
        "child_contexts_c.name = 'r1'",
        "child_contexts_c.name LIKE 'r%'",
        "child_contexts_c.type = 'Run'",
        "child_contexts_c.id = {context_r3}",
        "NOT child_contexts_c.name = 'r1'",
        "state = LIVE",
    ),
    # ---- errors: syntax, names, types
    *_cases(
        "artifact",
        "",
        "invalid syntax",
        "name = 'd1' AND",
        "name = 'd1",
        "(name = 'd1'",
        "id = 1 = TRUE",
        "a == 'a'",
        "id % 2 = 1",
        "name",
        "type_id",
        "NULL",
        "'a'",
        "id = 'a'",
        "type_id = '1'",
        "type = 1",
        "name = 1",
        "uri = 1",
        "name LIKE 1",
        "external_id = 1",
        "create_time_since_epoch = 'a'",
        "name = NULL",
        "id < NULL",
        "name LIKE NULL",
        "NOT NULL",
        "id IN (1, 'a')",
        "id IN ()",
        "id = 1 AND name",
        "id IS TRUE",
        "lower(id) = 'x'",
        "lower(name, name) = 'x'",
        "lower() = 'x'",
        "foo(name) = 'x'",
        "abs('x') = 1",
        "foo = 1",
        "last_known_state = RUNNING",
        "state = 2",
        "state = 'LIVE'",
        "state = live",
        "state = NOPE",
        "state IN (LIVE, NOPE)",
        "state > LIVE",
        "state <> LIVE",
        "(state) = LIVE",
        "state = (LIVE)",
        "state IN (12)",
        "state IN (LIVE, 'x')",
        "LIVE = state",
        "properties",
        "properties.count",
        "properties.count.int",
        "properties.count.int_value.x",
        "Properties.count.int_value = 1",
        "properties.0:b.int_value = 1",
        "properties.count.int_valuex = 1",
        "properties.count.int_value = '10'",
        "properties.label.string_value = 1",
        "properties.flag.bool_value = 1",
        "custom_properties.version.string_value = 2",
        "contexts",
        "contexts_a",
        "contexts_a.foo = 1",
        "contexts_a.id.bar = 1",
        "contexts_a.external_id = 'x'",
        "contexts_a.properties.owner.string_value = 'alice'",
        "contexts_a.name = 1",
        "CONTEXTS_a.name = 'p1'",
        "artifacts_a.name = 'p1'",
        "parent_contexts_a.name = 'p1'",
        "events_e.artifact_id = 1",
        "events_e.id = 1",
        "events_e.type = 3",
        "events_e.type = SOME_ENUM",
        "events_e.type IN (SOME_ENUM)",
        "name = 'it''s'",
        "name LIKE 'a\\_1'",
        "name = '\\ud800'",
        "id = 18446744073709551616",
        "id = 1e",
        "name ILIKE 'd%'",
    ),
    *_cases(
        "execution",
        "uri = 'x'",
        "state = LIVE",
        "last_known_state = 1",
        "last_known_state = 'RUNNING'",
        "events_e.execution_id = 1",
    ),
    *_cases(
        "context",
        "contexts_a.name = 'p1'",
        "events_e.type = INPUT",
        "artifacts_a.foo = 1",
        "executions_e.uri = 'x'",
        "child_contexts_c.external_id = 'x'",
        "artifacts_a.state = 2",
    ),
    # ---- known divergences: ml-metadata bugs mdstore does not copy
    Case("artifact", "state = ABANDONED", ["données"], "InvalidArgumentError",
         "ABANDONED is an Artifact.State; ml-metadata's enum table lacks it"),
    Case("artifact", "state IN (LIVE, ABANDONED)", ["d1", "données", "m1"],
         "InvalidArgumentError", "ABANDONED is an Artifact.State; ml-metadata lacks it"),
    Case("context", "artifacts_a.external_id = 'ext-d2'", ["p1", "r2"], "InternalError",
         _INTERNAL),
    Case("context", "executions_e.external_id IS NOT NULL", ["p1", "r2"], "InternalError",
         _INTERNAL),
    Case("context", "parent_contexts_p.create_time_since_epoch > 0", ["r1", "r2", "r3"],
         "InternalError", _INTERNAL),
    Case("context", "child_contexts_c.last_update_time_since_epoch > 0", ["p1", "p2"],
         "InternalError", _INTERNAL),
    Case("context", "artifacts_a.state != LIVE", ["p1", "p2", "r2"], "InvalidArgumentError",
         "ml-metadata rewrites `!=` on a neighbour's state into broken SQL text"),
    Case("context", "executions_e.last_known_state NOT IN (RUNNING)", ["p1", "p2", "r2"],
         "InvalidArgumentError",
         "ml-metadata rewrites NOT IN on a neighbour's state into broken SQL text"),
    Case("artifact", "custom_properties.note.string_value = 'a\\\\b'", ["D3"], [],
         _BACKSLASH),
    Case("artifact", "custom_properties.note.string_value LIKE r'a\\b'", ["D3"], [],
         _BACKSLASH),
    Case("artifact", "properties.`count`.int_value = 10 AND properties.count.int_value > 1",
         ["d1"], "InvalidArgumentError",
         "ml-metadata's query rewriting breaks when one property is spelt both ways"),
]  # fmt: skip
