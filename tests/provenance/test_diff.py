"""diff: random pipelines against themselves, cosmetic copies and one-change edits;
hand-written cases for roles, inputs told apart, and intermediate properties."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mdstore.provenance.diff import Subgraph, diff
from mdstore.provenance.graph import NodeId
from mdstore.provenance.roles import Roles, assign
from mdstore.wire import mlmd, v1
from tests.provenance.builders import (
    INPUT,
    OUTPUT,
    Lineage,
    Pipeline,
    cosmetic_copy,
    make_event,
    pipelines,
    producers,
    upstream_of_root,
    value,
)

EMPTY = v1.DiffResponse()
SETTINGS = settings(max_examples=150, deadline=None)


def counts(response: Any) -> tuple[int, int, int, int]:
    """How many changes of each kind: sources, steps, parameters, properties."""
    return (
        len(response.sources),
        len(response.steps),
        len(response.parameters),
        len(response.properties),
    )


def base(pipeline: Pipeline) -> Subgraph:
    lineage = pipeline.lineage()
    return lineage.subgraph(max(lineage.artifacts))


def clone(subgraph: Subgraph) -> Subgraph:
    return copy.deepcopy(subgraph)


@SETTINGS
@given(pipeline=pipelines())
def test_a_lineage_matches_itself(pipeline: Pipeline) -> None:
    subgraph = base(pipeline)
    assert diff(subgraph, subgraph) == EMPTY


@SETTINGS
@given(pipeline=pipelines(), seed=st.integers(0, 2**32))
def test_a_cosmetic_copy_matches(pipeline: Pipeline, seed: int) -> None:
    subgraph = base(pipeline)
    other = cosmetic_copy(subgraph, seed)
    assert diff(subgraph, other) == EMPTY
    assert diff(other, subgraph) == EMPTY


@SETTINGS
@given(pipeline=pipelines(), pick=st.integers(0, 100), new=st.integers(100, 200))
def test_one_parameter_changed(pipeline: Pipeline, pick: int, new: int) -> None:
    subgraph = base(pipeline)
    _, executions = upstream_of_root(subgraph)
    assume(executions)
    execution_id = executions[pick % len(executions)]
    other = clone(subgraph)
    properties = other.executions[execution_id].properties
    old = copy.deepcopy(properties["lr"]) if "lr" in properties else None
    properties["lr"].int_value = new
    response = diff(subgraph, other)
    assert counts(response) == (0, 0, 1, 0)
    [change] = response.parameters
    assert (change.node_id, change.other_node_id, change.name) == (execution_id, execution_id, "lr")
    assert change.type == subgraph.executions[execution_id].type
    assert change.new_value == value(new)
    if old is None:
        assert not change.HasField("old_value")
    else:
        assert change.old_value == old
    # The other way round, the same change with old and new swapped.
    [back] = diff(other, subgraph).parameters
    assert (back.old_value, back.HasField("new_value")) == (value(new), old is not None)


def _sources(subgraph: Subgraph) -> list[int]:
    artifacts, _ = upstream_of_root(subgraph)
    made = producers(subgraph)
    return [a for a in artifacts if a not in made]


@SETTINGS
@given(pipeline=pipelines(), pick=st.integers(0, 100))
def test_one_source_digest_changed(pipeline: Pipeline, pick: int) -> None:
    subgraph = base(pipeline)
    sources = _sources(subgraph)
    assume(sources)
    source = sources[pick % len(sources)]
    other = clone(subgraph)
    other.artifacts[source].custom_properties["sha256"].string_value = "changed"
    response = diff(subgraph, other)
    assert counts(response) == (1, 0, 0, 0)
    [change] = response.sources
    old_digest = subgraph.artifacts[source].custom_properties["sha256"].string_value
    assert (change.field, change.old_value, change.new_value) == ("digest", old_digest, "changed")
    assert (change.artifact_id, change.other_artifact_id) == (source, source)


@SETTINGS
@given(pipeline=pipelines(), pick=st.integers(0, 100))
def test_one_source_uri_changed(pipeline: Pipeline, pick: int) -> None:
    subgraph = base(pipeline)
    sources = _sources(subgraph)
    assume(sources)
    source = sources[pick % len(sources)]
    other = cosmetic_copy(subgraph, pick)  # ids differ too: matched by role
    moved = other.artifacts[_new_id(subgraph, other, source)]
    moved.uri = "s3://moved"
    response = diff(subgraph, other)
    assert counts(response) == (1, 0, 0, 0)
    [change] = response.sources
    assert (change.field, change.new_value) == ("uri", "s3://moved")
    assert (change.artifact_id, change.other_artifact_id) == (source, moved.id)
    assert change.old_value == subgraph.artifacts[source].uri


def _new_id(subgraph: Subgraph, other: Subgraph, artifact: int) -> int:
    """The id ``artifact`` got in a cosmetic copy (events keep their order)."""
    for event, copied in zip(subgraph.events, other.events, strict=True):
        if event.artifact_id == artifact:
            return int(copied.artifact_id)
    raise AssertionError(artifact)


def with_step(subgraph: Subgraph, consumer: int, step_type: str, output_type: str) -> Subgraph:
    """A copy where a new step (no inputs) writes an artifact ``consumer`` reads."""
    other = clone(subgraph)
    step_id, artifact_id = max(other.executions) + 1, max(other.artifacts) + 1
    other.executions[step_id] = mlmd.Execution(id=step_id, type=step_type, name="new")
    other.artifacts[artifact_id] = mlmd.Artifact(id=artifact_id, type=output_type)
    other.events.append(make_event(artifact_id, step_id, OUTPUT))
    other.events.append(make_event(artifact_id, consumer, INPUT))
    return other


@SETTINGS
@given(
    pipeline=pipelines(),
    pick=st.integers(0, 100),
    step_type=st.sampled_from(["Ingest", "Fetch"]),
    output_type=st.sampled_from(["Dataset", "Extra"]),
)
def test_one_step_added_or_removed(
    pipeline: Pipeline, pick: int, step_type: str, output_type: str
) -> None:
    subgraph = base(pipeline)
    _, executions = upstream_of_root(subgraph)
    assume(executions)
    bigger = with_step(subgraph, executions[pick % len(executions)], step_type, output_type)
    new_step = max(bigger.executions)
    added = diff(subgraph, bigger)
    assert counts(added) == (0, 1, 0, 0)
    assert (added.steps[0].change, added.steps[0].execution_id) == ("added", new_step)
    assert added.steps[0].type == step_type
    removed = diff(bigger, subgraph)
    assert counts(removed) == (0, 1, 0, 0)
    assert (removed.steps[0].change, removed.steps[0].execution_id) == ("removed", new_step)
    assert removed.steps[0].role == added.steps[0].role


# ---------------------------------------------------------------- hand-written


def trainer_on_two_datasets(paths: tuple[tuple[str, ...], tuple[str, ...]], swap: bool) -> Any:
    """Two Dataset sources read by a Trainer that writes a model; ``swap`` records
    the second read first."""
    lineage = Lineage()
    first = lineage.artifact("Dataset", uri="s3://first", custom={"sha256": "1"})
    second = lineage.artifact("Dataset", uri="s3://second", custom={"sha256": "2"})
    trainer = lineage.execution("Trainer")
    model = lineage.artifact("Model")
    reads = [(first, paths[0]), (second, paths[1])]
    for artifact, path in reversed(reads) if swap else reads:
        lineage.read(trainer, artifact, *path)
    lineage.write(trainer, model)
    return lineage, first, second, model


def test_inputs_of_one_type_told_apart_by_event_path() -> None:
    paths = (("train",), ("eval",))
    lineage, first, _, model = trainer_on_two_datasets(paths, swap=False)
    swapped, *_ = trainer_on_two_datasets(paths, swap=True)
    # Recorded in the other order, but the paths say which is which.
    assert diff(lineage.subgraph(model), swapped.subgraph(model)) == EMPTY
    swapped.artifacts[first].custom_properties["sha256"].string_value = "new"
    [change] = diff(lineage.subgraph(model), swapped.subgraph(model)).sources
    assert (change.role, change.field, change.old_value, change.new_value) == (
        "Trainer/Dataset[train]",
        "digest",
        "1",
        "new",
    )


def test_inputs_of_one_type_without_paths_told_apart_by_order() -> None:
    lineage, _, second, model = trainer_on_two_datasets(((), ()), swap=False)
    other, *_ = trainer_on_two_datasets(((), ()), swap=False)
    other.artifacts[second].uri = "s3://elsewhere"
    [change] = diff(lineage.subgraph(model), other.subgraph(model)).sources
    assert (change.role, change.field, change.new_value) == (
        "Trainer/Dataset#1",
        "uri",
        "s3://elsewhere",
    )
    # Recorded in the other order, the two swap roles: both uris now differ.
    swapped, *_ = trainer_on_two_datasets(((), ()), swap=True)
    changes = diff(lineage.subgraph(model), swapped.subgraph(model)).sources
    assert [(c.role, c.field) for c in changes] == [
        ("Trainer/Dataset", "digest"),
        ("Trainer/Dataset", "uri"),
        ("Trainer/Dataset#1", "digest"),
        ("Trainer/Dataset#1", "uri"),
    ]


def tfx_like(fingerprint: str, *, trainer_type: str = "Trainer", lr: float = 0.1) -> Any:
    """ExampleGen -> Transform (examples, schema) -> Trainer -> model, with names."""
    lineage = Lineage()
    raw = lineage.artifact("Dataset", uri="s3://raw", custom={"sha256": "r"})
    gen = lineage.execution("ExampleGen", name="gen")
    examples = lineage.artifact("Examples", uri="s3://examples", custom={"sha256": "e"})
    transform = lineage.execution("Transform", properties={"module_file": "t.py"})
    transformed = lineage.artifact("Examples", uri="s3://transformed")
    schema = lineage.artifact("Schema", properties={"schema_fingerprint": fingerprint})
    trainer = lineage.execution(trainer_type, properties={"lr": lr})
    model = lineage.artifact("Model", properties={"auc": 0.5})
    lineage.read(gen, raw, "input")
    lineage.write(gen, examples, "examples")
    lineage.read(transform, examples, "examples")
    lineage.write(transform, transformed, "transformed")
    lineage.write(transform, schema, "schema")
    lineage.read(trainer, transformed, "examples")
    lineage.read(trainer, schema, "schema")
    lineage.write(trainer, model, "model")
    return lineage, model


def test_roles_name_the_path_from_the_root() -> None:
    lineage, model = tfx_like("f")
    table = Roles()
    roles = assign(lineage.graph(), NodeId.artifact(model), table, lambda n: _type(lineage, n))
    assert {node: table.text(role) for node, role in roles.items()} == {
        NodeId.artifact(model): "",
        NodeId.execution(3): "Trainer",
        NodeId.artifact(3): "Trainer/Examples[examples]",
        NodeId.artifact(4): "Trainer/Schema[schema]",
        # Reached from both of its outputs: Examples sorts before Schema.
        NodeId.execution(2): "Trainer/Examples[examples]/Transform",
        NodeId.artifact(2): "Trainer/Examples[examples]/Transform/Examples[examples]",
        NodeId.execution(1): "Trainer/Examples[examples]/Transform/Examples[examples]/ExampleGen",
        NodeId.artifact(1): (
            "Trainer/Examples[examples]/Transform/Examples[examples]/ExampleGen/Dataset[input]"
        ),
    }
    assert [table.depth(roles[NodeId.artifact(i)]) for i in (model, 3, 2, 1)] == [0, 2, 4, 6]


def _type(lineage: Lineage, node: NodeId) -> str:
    nodes = lineage.artifacts if node.kind == "artifact" else lineage.executions
    return str(nodes[node.id].type)


def test_a_schema_fingerprint_change_is_a_property_change() -> None:
    old, model = tfx_like("f1")
    new, _ = tfx_like("f2")
    # Not changes: the intermediate's uri and digest, names, the root's properties.
    new.artifacts[2].uri = "s3://examples-v2"
    new.artifacts[2].custom_properties["sha256"].string_value = "e2"
    new.executions[1].name = "gen-2"
    new.artifacts[model].properties["auc"].double_value = 0.9
    response = diff(old.subgraph(model), new.subgraph(model))
    assert counts(response) == (0, 0, 0, 1)
    [change] = response.properties
    assert (change.role, change.type, change.name) == (
        "Trainer/Schema[schema]",
        "Schema",
        "schema_fingerprint",
    )
    assert (change.old_value, change.new_value) == (value("f1"), value("f2"))
    assert (change.node_id, change.other_node_id) == (4, 4)


def test_a_step_whose_type_changed_is_removed_and_added() -> None:
    old, model = tfx_like("f")
    new, _ = tfx_like("f", trainer_type="Tuner")
    response = diff(old.subgraph(model), new.subgraph(model))
    # Everything upstream of the trainer moved to new roles: only steps and sources
    # are reported for one-sided roles.
    steps = [(s.role, s.type, s.change) for s in response.steps]
    assert steps[:2] == [("Trainer", "Trainer", "removed"), ("Tuner", "Tuner", "added")]
    assert {(s.field, s.change) for s in response.sources} == {("uri", "added"), ("uri", "removed")}
    assert not response.parameters
    assert not response.properties


def test_parameter_added_and_removed_leave_the_other_value_unset() -> None:
    old, model = tfx_like("f")
    new, _ = tfx_like("f")
    del new.executions[3].properties["lr"]
    new.executions[3].custom_properties["seed"].int_value = 7
    new.executions[3].custom_properties["mdstore.state"].string_value = "ignored"
    response = diff(old.subgraph(model), new.subgraph(model))
    assert [(c.role, c.name) for c in response.parameters] == [
        ("Trainer", "lr"),
        ("Trainer", "seed"),
    ]
    lr, seed = response.parameters
    assert lr.HasField("old_value")
    assert not lr.HasField("new_value")
    assert seed.new_value == value(7)
    assert not seed.HasField("old_value")


def test_a_source_now_produced_is_a_removed_source_and_an_added_step() -> None:
    old, model = tfx_like("f")
    new, _ = tfx_like("f")
    fetch = new.execution("Fetch")
    new.write(fetch, 1)  # the raw dataset is now the output of a step
    response = diff(old.subgraph(model), new.subgraph(model))
    raw_role = "Trainer/Examples[examples]/Transform/Examples[examples]/ExampleGen/Dataset[input]"
    assert [(c.role, c.change, c.field, c.old_value) for c in response.sources] == [
        (raw_role, "removed", "uri", "s3://raw")
    ]
    assert [(s.role, s.change) for s in response.steps] == [(raw_role + "/Fetch", "added")]
    back = diff(new.subgraph(model), old.subgraph(model))
    assert [(c.change, c.new_value, c.other_artifact_id) for c in back.sources] == [
        ("added", "s3://raw", 1)
    ]


def test_a_node_reached_twice_takes_its_shortest_role() -> None:
    # The trainer reads the raw data directly too: the raw data's role is the short one.
    lineage, model = tfx_like("f")
    lineage.read(3, 1, "raw")
    other, _ = tfx_like("f")
    other.read(3, 1, "raw")
    other.artifacts[1].uri = "s3://raw-2"
    [change] = diff(lineage.subgraph(model), other.subgraph(model)).sources
    assert change.role == "Trainer/Dataset[raw]"


def test_producers_of_one_type_are_ranked_and_cycles_end() -> None:
    lineage = Lineage()
    data = lineage.artifact("Data")
    first, second = lineage.execution("Write"), lineage.execution("Write")
    lineage.write(first, data)
    lineage.write(second, data)
    lineage.read(second, data)  # a cycle: the second writer also read it
    second_props = lineage.executions[second].properties
    second_props["n"].int_value = 1
    other = copy.deepcopy(lineage)
    other.executions[second].properties["n"].int_value = 2
    [change] = diff(lineage.subgraph(data), other.subgraph(data)).parameters
    assert (change.role, change.name) == ("Write#1", "n")


def test_missing_messages_compare_as_empty_nodes() -> None:
    lineage, model = tfx_like("f")
    subgraph = lineage.subgraph(model)
    bare = Subgraph(model, {}, {}, list(subgraph.events))
    assert diff(bare, bare) == EMPTY
    # Types are part of roles: without messages every step and source is another one.
    response = diff(subgraph, bare)
    assert counts(response) == (2, 6, 0, 0)
    assert [(c.role, c.change) for c in response.sources] == [
        ("?/?[examples]/?/?[examples]/?/?[input]", "added"),
        (
            "Trainer/Examples[examples]/Transform/Examples[examples]/ExampleGen/Dataset[input]",
            "removed",
        ),
    ]
