"""trace_summary on a hand-built pipeline, and the code-reference rule."""

from __future__ import annotations

from typing import Any

import pytest

from mdstore.provenance.code_refs import names_code, words
from mdstore.provenance.graph import BOTH, DOWNSTREAM, NodeId
from mdstore.provenance.summary import trace_summary
from mdstore.provenance.values import digest, parameters, text
from mdstore.wire import mlmd, v1
from tests.provenance.builders import Lineage, value

DELETED_ARTIFACT = mlmd.Artifact.State.Value("DELETED")
RUNNING = mlmd.Execution.State.Value("RUNNING")


class Pipeline:
    """Ingest -> Transform -> Trainer, from two raw datasets and a vocabulary.

    raw_train, raw_eval, vocab -> Ingest -> examples -> Transform (deleted) ->
    features, schema -> Trainer -> model. The trace starts at the model; the walk
    stopped at ``vocab`` (its producer, ``Vocab``, lies beyond the hop limit).
    """

    def __init__(self) -> None:
        lineage = self.lineage = Lineage()
        self.raw_train = lineage.artifact(
            "Dataset", uri="s3://raw/train.csv", name="train", custom={"sha256": "aa11"}
        )
        self.raw_eval = lineage.artifact(
            "Dataset",
            uri="s3://raw/eval.csv",
            properties={"digest": "bb22"},
            state=DELETED_ARTIFACT,
        )
        self.vocab = lineage.artifact("Vocabulary", uri="s3://vocab")
        self.examples = lineage.artifact("Examples")
        self.features = lineage.artifact("Examples")
        self.schema = lineage.artifact("Schema", properties={"schema_fingerprint": "f1"})
        self.model = lineage.artifact("Model", uri="s3://model")
        self.ingest = lineage.execution(
            "Ingest", name="ingest-1", custom={"pipeline_version": 3, "split": "hash"}
        )
        self.transform = lineage.execution(
            "Transform",
            name="transform-1",
            properties={"module_file": "transform.py"},
            custom={"mdstore.state": "DELETED", "mdstore.git_commit": "not code"},
        )
        self.trainer = lineage.execution(
            "Trainer",
            name="trainer-1",
            properties={"learning_rate": 0.1, "git_commit": "abc123", "epochs": 10},
            custom={"image": "gcr.io/trainer:1", "learning_rate": 0.2, "image_size": 224},
            state=RUNNING,
        )
        self._connect()
        self.graph = lineage.graph()
        self.start = NodeId.artifact(self.model)
        self.tombstones = {NodeId.execution(self.transform): v1.Tombstone(id=self.transform)}
        self.truncated = frozenset({NodeId.artifact(self.vocab)})

    def _connect(self) -> None:
        lineage = self.lineage
        for source in (self.raw_train, self.raw_eval, self.vocab):
            lineage.read(self.ingest, source)
        lineage.write(self.ingest, self.examples)
        lineage.read(self.transform, self.examples)
        lineage.write(self.transform, self.features)
        lineage.write(self.transform, self.schema)
        lineage.read(self.trainer, self.features)
        lineage.read(self.trainer, self.schema)
        lineage.write(self.trainer, self.model)

    def summary(self, **kwargs: Any) -> Any:
        arguments: dict[str, Any] = {
            "artifacts": self.lineage.artifacts,
            "executions": self.lineage.executions,
            "tombstones": self.tombstones,
            "truncated": self.truncated,
            **kwargs,
        }
        return trace_summary(self.graph, self.start, **arguments)


@pytest.fixture
def pipeline() -> Pipeline:
    return Pipeline()


def test_sources_are_unproduced_untruncated_artifacts(pipeline: Pipeline) -> None:
    summary = pipeline.summary()
    assert [
        (s.artifact_id, s.type, s.name, s.uri, s.digest, s.deleted) for s in summary.sources
    ] == [
        (pipeline.raw_train, "Dataset", "train", "s3://raw/train.csv", "aa11", False),
        (pipeline.raw_eval, "Dataset", "", "s3://raw/eval.csv", "bb22", True),
    ]


def test_a_truncated_artifact_is_a_source_only_when_not_truncated(pipeline: Pipeline) -> None:
    summary = pipeline.summary(truncated=frozenset())
    assert pipeline.vocab in [source.artifact_id for source in summary.sources]


def test_steps_nearest_first_with_state_parameters_and_hops(pipeline: Pipeline) -> None:
    steps = pipeline.summary().steps
    assert [(s.execution_id, s.type, s.name, s.state, s.hops) for s in steps] == [
        (pipeline.trainer, "Trainer", "trainer-1", "RUNNING", 1),
        (pipeline.transform, "Transform", "transform-1", "DELETED", 3),
        (pipeline.ingest, "Ingest", "ingest-1", "COMPLETE", 5),
    ]
    trainer, transform, ingest = (dict(step.parameters) for step in steps)
    assert trainer == {
        "learning_rate": value(0.1),
        "git_commit": value("abc123"),
        "epochs": value(10),
        "image": value("gcr.io/trainer:1"),
        "custom:learning_rate": value(0.2),
        "image_size": value(224),
    }
    assert transform == {"module_file": value("transform.py")}  # no mdstore.* bookkeeping
    assert ingest == {"pipeline_version": value(3), "split": value("hash")}


def test_code_references(pipeline: Pipeline) -> None:
    code = [(c.execution_id, c.property, c.value) for c in pipeline.summary().code]
    assert code == [
        (pipeline.trainer, "git_commit", "abc123"),
        (pipeline.trainer, "image", "gcr.io/trainer:1"),
        (pipeline.transform, "module_file", "transform.py"),
        (pipeline.ingest, "pipeline_version", "3"),
    ]


def test_a_page_summarizes_its_own_nodes_with_hops_from_the_whole_graph(
    pipeline: Pipeline,
) -> None:
    lineage = pipeline.lineage
    summary = pipeline.summary(
        artifacts={pipeline.raw_eval: lineage.artifacts[pipeline.raw_eval]},
        executions={pipeline.ingest: lineage.executions[pipeline.ingest]},
    )
    assert [source.artifact_id for source in summary.sources] == [pipeline.raw_eval]
    assert [(step.execution_id, step.hops) for step in summary.steps] == [(pipeline.ingest, 5)]
    assert [c.property for c in summary.code] == ["pipeline_version"]


def test_hops_follow_the_walk_direction(pipeline: Pipeline) -> None:
    pipeline.start = NodeId.artifact(pipeline.raw_train)
    down = pipeline.summary(direction=DOWNSTREAM).steps
    assert [(s.execution_id, s.hops) for s in down] == [
        (pipeline.ingest, 1),
        (pipeline.transform, 3),
        (pipeline.trainer, 5),
    ]
    # Upstream of a source nothing is reached: every step is unreached, last, by id.
    up = pipeline.summary().steps
    assert [(s.execution_id, s.hops) for s in up] == [
        (pipeline.ingest, -1),
        (pipeline.transform, -1),
        (pipeline.trainer, -1),
    ]


def test_both_directions_count_hops_either_way() -> None:
    lineage = Lineage()
    data, other = lineage.artifact("Dataset"), lineage.artifact("Dataset")
    first, second = lineage.execution("Split"), lineage.execution("Train")
    lineage.read(first, data)
    lineage.read(second, data)
    lineage.write(second, other)
    summary = trace_summary(
        lineage.graph(),
        NodeId.execution(first),
        {},
        lineage.executions,
        {},
        direction=BOTH,
    )
    assert [(s.execution_id, s.hops) for s in summary.steps] == [(first, 0), (second, 2)]


@pytest.mark.parametrize(
    "name",
    [
        "git_commit",
        "gitCommitSHA",
        "GIT_SHA",
        "commit",
        "revision",
        "code_version",
        "source_version",
        "source_code",
        "codeRef",
        "docker_image",
        "containerImage",
        "image",
        "image_tag",
        "module_file",
        "training_script",
        "entry_point",
        "entrypoint",
        "pipeline_name",
        "pipeline.version",
        "kfp.pipeline_id",
        "repo_url",
        "branch",
        "code",
    ],
)
def test_names_of_code(name: str) -> None:
    assert names_code(name)


@pytest.mark.parametrize(
    "name",
    [
        "learning_rate",
        "image_size",
        "imageSize",
        "sha256",
        "md5",
        "exit_code",
        "source_path",
        "pipeline_root",
        "pipeline_run_id",
        "epochs",
        "",
        "__",
    ],
)
def test_names_that_are_not_code(name: str) -> None:
    assert not names_code(name)


def test_words_split_snake_camel_and_dotted_names() -> None:
    assert words("gitCommitSHA") == ("git", "commit", "sha")
    assert words("kfp.pipeline_id") == ("kfp", "pipeline", "id")
    assert words("HTTPServer-image") == ("http", "server", "image")
    assert words("sha256_digest") == ("sha256", "digest")


def test_only_string_and_int_values_are_code() -> None:
    lineage = Lineage()
    step = lineage.execution(
        "Step", properties={"git_commit": 1.5, "image": "", "pipeline_id": 7, "commit": "x"}
    )
    summary = trace_summary(lineage.graph(), NodeId.execution(step), {}, lineage.executions, {})
    assert [(c.property, c.value) for c in summary.code] == [("commit", "x"), ("pipeline_id", "7")]


def test_digest_prefers_sha256_then_custom_then_property() -> None:
    artifact = mlmd.Artifact()
    assert digest(artifact) == ""
    artifact.properties["digest"].string_value = "p"
    assert digest(artifact) == "p"
    artifact.custom_properties["digest"].string_value = "c"
    assert digest(artifact) == "c"
    artifact.custom_properties["sha256"].string_value = "s"
    assert digest(artifact) == "s"
    artifact.custom_properties["sha256"].string_value = ""
    assert digest(artifact) == "c"


def test_parameters_merge_and_skip() -> None:
    node = mlmd.Artifact()
    node.properties["a"].int_value = 1
    node.properties["digest"].string_value = "d"
    node.custom_properties["a"].int_value = 2
    node.custom_properties["b"].string_value = "x"
    node.custom_properties["sha256"].string_value = "s"
    node.custom_properties["mdstore.state"].string_value = "DELETED"
    assert set(parameters(node)) == {"a", "digest", "custom:a", "b", "sha256"}
    assert set(parameters(node, skip_digests=True)) == {"a", "custom:a", "b"}
    assert text(mlmd.Value(bool_value=True)) == ""
