"""A CycloneDX 1.6 ML-BOM of a model through ``cyclonedx-python-lib``, with a modelCard.

The model artifact is the BOM's subject (``machine-learning-model``); every
artifact upstream of it is a ``data`` component with its SHA-256; dependencies
follow the lineage (an artifact depends on what its producer read); the steps'
parameters are the model's ``mdstore:parameter:*`` properties. The library does
not write ``modelCard`` yet, so it is added to the library's JSON here:
``modelParameters.datasets`` references the data components the training step
read, and ``quantitativeAnalysis.performanceMetrics`` holds the model's numeric
properties and those of artifacts an evaluation (an execution that read the
model) wrote: their double-valued properties. The result is validated against
the 1.6 schema the library ships.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Final

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from mdstore.errors import FailedPreconditionError, InternalError
from mdstore.export.lineage import Lineage, properties, version
from mdstore.wire.event_types import INPUT_EVENTS, OUTPUT_EVENTS
from mdstore.wire.values import digest

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SERIALS: Final = uuid.UUID("0b5d6c1e-7f40-4a7e-8d0c-5c1e2a9f4b73")  # names BOM serials
Key = tuple[str, int]


def render(lineage: Lineage) -> bytes:
    """The ML-BOM of the lineage's root artifact, as validated CycloneDX 1.6 JSON."""
    kind, root = lineage.root
    if kind != "artifact" or root not in lineage.artifacts:
        raise FailedPreconditionError("a CycloneDX ML-BOM describes a model artifact")
    upstream = _upstream(lineage)
    document = json.loads(JsonV1Dot6(_bom(lineage, upstream)).output_as_string())
    subject = document["metadata"]["component"]
    subject["modelCard"] = _model_card(lineage, upstream)
    text = json.dumps(document, indent=2)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise InternalError(f"the ML-BOM does not validate against CycloneDX 1.6: {error}")
    return text.encode()


def _ref(key: Key) -> str:
    return f"{key[0]}/{key[1]}"


def _upstream(lineage: Lineage) -> list[Key]:
    """Every node upstream of the root, nearest first."""
    before: dict[Key, list[Key]] = {}
    for source, target, _ in lineage.edges():
        before.setdefault(target, []).append(source)
    order, frontier, seen = [], [lineage.root], {lineage.root}
    while frontier:
        following = []
        for node in frontier:
            for parent in before.get(node, ()):
                if parent not in seen:
                    seen.add(parent)
                    order.append(parent)
                    following.append(parent)
        frontier = following
    return order


def _hashes(artifact: Any) -> list[HashType]:
    found = digest(artifact).lower()
    if _SHA256.fullmatch(found):
        return [HashType(alg=HashAlgorithm.SHA_256, content=found)]
    return []


def _bom(lineage: Lineage, upstream: list[Key]) -> Bom:
    model = lineage.artifacts[lineage.root[1]]
    parameters = [
        Property(name=f"mdstore:parameter:{step.type}#{step.id}:{name}", value=value)
        for kind, node_id in upstream
        if kind == "execution"
        for step in [lineage.executions[node_id]]
        for name, value in sorted(properties(step).items())
    ]
    subject = Component(
        name=model.name or model.type or f"artifact {model.id}",
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=_ref(lineage.root),
        version=version(model) or None,
        hashes=_hashes(model),
        properties=[Property(name="mdstore:uri", value=model.uri), *parameters],
    )
    data = [
        Component(
            name=artifact.name or artifact.uri or f"{artifact.type} {artifact.id}",
            type=ComponentType.DATA,
            bom_ref=_ref(("artifact", artifact.id)),
            hashes=_hashes(artifact),
            properties=[
                Property(name="mdstore:type", value=artifact.type),
                Property(name="mdstore:uri", value=artifact.uri),
            ],
        )
        for kind, node_id in upstream
        if kind == "artifact"
        for artifact in [lineage.artifacts[node_id]]
    ]
    bom = Bom(components=data, serial_number=uuid.uuid5(_SERIALS, _ref(lineage.root)))
    bom.metadata.component = subject
    by_ref = {
        _ref(("artifact", a.id)): c
        for a, c in zip(_artifacts(lineage, upstream), data, strict=True)
    }
    by_ref[_ref(lineage.root)] = subject
    for made, read in _made_from(lineage).items():
        if made in by_ref:
            bom.register_dependency(by_ref[made], [by_ref[r] for r in read if r in by_ref])
    return bom


def _artifacts(lineage: Lineage, upstream: list[Key]) -> list[Any]:
    return [lineage.artifacts[node_id] for kind, node_id in upstream if kind == "artifact"]


def _made_from(lineage: Lineage) -> dict[str, list[str]]:
    """Artifact ref -> refs of the artifacts its producer read."""
    read: dict[int, list[int]] = {}
    for event in lineage.events:
        if event.type in INPUT_EVENTS:
            read.setdefault(event.execution_id, []).append(event.artifact_id)
    made: dict[str, list[str]] = {}
    for event in lineage.events:
        if event.type in OUTPUT_EVENTS:
            inputs = [_ref(("artifact", i)) for i in read.get(event.execution_id, ())]
            made.setdefault(_ref(("artifact", event.artifact_id)), []).extend(inputs)
    return made


def _model_card(lineage: Lineage, upstream: list[Key]) -> dict[str, Any]:
    root = lineage.root[1]
    trained_on = sorted(
        {
            e.artifact_id
            for e in lineage.events
            if e.type in INPUT_EVENTS and ("execution", e.execution_id) in upstream[:1]
        }
    )
    card: dict[str, Any] = {"bom-ref": f"model-card/{root}"}
    if trained_on:
        card["modelParameters"] = {"datasets": [{"ref": _ref(("artifact", i))} for i in trained_on]}
    metrics = _metrics(lineage)
    if metrics:
        card["quantitativeAnalysis"] = {
            "performanceMetrics": [
                {"type": name, "value": f"{value:.6g}"} for name, value in sorted(metrics.items())
            ]
        }
    return card


def _metrics(lineage: Lineage) -> dict[str, float]:
    """Numeric properties of the model and of what its evaluations wrote (those win)."""
    root = lineage.root[1]
    found = _numbers(lineage.artifacts[root])
    evaluations = {
        e.execution_id for e in lineage.events if e.artifact_id == root and e.type in INPUT_EVENTS
    }
    for event in lineage.events:
        if event.execution_id in evaluations and event.type in OUTPUT_EVENTS:
            artifact = lineage.artifacts.get(event.artifact_id)
            if artifact is not None:
                found.update(_numbers(artifact))
    return found


def _numbers(artifact: Any) -> dict[str, float]:
    """Double-valued properties: metrics are real numbers (counts such as rows are ints)."""
    found = {}
    for values in (artifact.properties, artifact.custom_properties):
        for name in values:
            if values[name].WhichOneof("value") == "double_value" and not name.startswith(
                "mdstore."
            ):
                found[name] = float(values[name].double_value)
    return found
