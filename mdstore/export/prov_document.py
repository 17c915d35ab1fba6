"""W3C PROV documents through the ``prov`` package: PROV-JSON, PROV-N and PROV-XML.

Artifacts are entities, executions activities; an input event is ``used``, an
output ``wasGeneratedBy``; an artifact made by an execution that used another is
``wasDerivedFrom`` it (with the activity); a pipeline run (context) is a
``prov:Collection`` whose artifacts are ``hadMember`` (an execution names its runs
in ``mdstore:contexts``, as collections hold entities only); a deleted artifact is
``wasInvalidatedBy`` an ``mdstore:deletion`` activity carrying its reason. Property
values keep their names under the ``mdstore`` namespace.
"""

from __future__ import annotations

import datetime
from typing import Any, Final

from prov.model import PROV_TYPE, ProvDocument

from mdstore.export.lineage import Lineage, properties, version
from mdstore.wire.event_types import INPUT_EVENTS, OUTPUT_EVENTS
from mdstore.wire.values import digest

FORMATS: Final = {"prov-json": "json", "prov-n": "provn", "prov-xml": "xml"}
NAMESPACE: Final = "https://github.com/mdstore/mdstore/ns#"
PREFIX: Final = "mdstore"


def render(lineage: Lineage, fmt: str) -> bytes:
    """The lineage as a PROV document in ``fmt`` (a key of ``FORMATS``)."""
    document = build(lineage)
    if FORMATS[fmt] == "provn":
        return document.get_provn().encode()
    return str(document.serialize(format=FORMATS[fmt], indent=2)).encode()


def build(lineage: Lineage) -> ProvDocument:
    """The ``prov.model.ProvDocument`` of a lineage."""
    document = ProvDocument()
    document.add_namespace(PREFIX, NAMESPACE)
    for artifact in lineage.artifacts.values():
        document.entity(_name("artifact", artifact.id), _attributes(artifact, artifact=True))
    for execution in lineage.executions.values():
        document.activity(
            _name("execution", execution.id),
            _time(execution.create_time_since_epoch),
            _time(execution.last_update_time_since_epoch),
            _activity_attributes(lineage, execution),
        )
    used: dict[int, list[int]] = {}
    for event in lineage.events:
        activity = _name("execution", event.execution_id)
        entity = _name("artifact", event.artifact_id)
        when = _time(event.milliseconds_since_epoch)
        if event.type in INPUT_EVENTS:
            document.used(activity, entity, when)
            used.setdefault(event.execution_id, []).append(event.artifact_id)
        elif event.type in OUTPUT_EVENTS:
            document.wasGeneratedBy(entity, activity, when)
    _derivations(document, lineage, used)
    _contexts(document, lineage)
    _deletions(document, lineage)
    _registry(document, lineage)
    return document


def _name(kind: str, node_id: int) -> str:
    return f"{PREFIX}:{kind}/{node_id}"


def _time(millis: int) -> datetime.datetime | None:
    if not millis:
        return None
    return datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc)


def _attributes(node: Any, *, artifact: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "prov:label": node.name or f"{node.type} #{node.id}",
        f"{PREFIX}:type": node.type,
        f"{PREFIX}:id": node.id,
    }
    if artifact:
        found[f"{PREFIX}:uri"] = node.uri
        for name, value in (("digest", digest(node)), ("version", version(node))):
            if value:
                found[f"{PREFIX}:{name}"] = value
    for name, value in properties(node).items():
        found[f"{PREFIX}:property.{name.replace(':', '.')}"] = value
    return found


def _activity_attributes(lineage: Lineage, execution: Any) -> Any:
    return {**_attributes(execution, artifact=False), **_runs(lineage, execution.id)}


def _runs(lineage: Lineage, execution_id: int) -> dict[str, str]:
    names = [
        _name("context", context_id)
        for context_id, members in sorted(lineage.members.items())
        if ("execution", execution_id) in members
    ]
    return {f"{PREFIX}:contexts": " ".join(names)} if names else {}


def _derivations(document: ProvDocument, lineage: Lineage, used: dict[int, list[int]]) -> None:
    for event in lineage.events:
        if event.type in OUTPUT_EVENTS:
            for source in used.get(event.execution_id, ()):
                document.wasDerivedFrom(
                    _name("artifact", event.artifact_id),
                    _name("artifact", source),
                    _name("execution", event.execution_id),
                )


def _contexts(document: ProvDocument, lineage: Lineage) -> None:
    for context_id, members in sorted(lineage.members.items()):
        context = lineage.contexts.get(context_id)
        if context is None:
            continue
        collection = document.collection(
            _name("context", context_id),
            {"prov:label": context.name, f"{PREFIX}:type": context.type},
        )
        for kind, node_id in members:
            if kind == "artifact":  # PROV collections hold entities only
                document.hadMember(collection, _name(kind, node_id))


def _deletions(document: ProvDocument, lineage: Lineage) -> None:
    for (kind, node_id), reason in sorted(lineage.deleted.items()):
        if kind != "artifact":
            continue  # PROV invalidates entities only
        deletion = document.activity(
            _name("deletion", node_id), other_attributes={PROV_TYPE: f"{PREFIX}:deletion"}
        )
        document.wasInvalidatedBy(
            _name(kind, node_id), deletion, other_attributes={f"{PREFIX}:reason": reason}
        )


# Who registered versions and moved aliases. Without authentication the principal is
# empty: the agent is then the store's unauthenticated writer.
_ANONYMOUS = "unauthenticated"


def _agent(document: ProvDocument, principal: str) -> str:
    """The agent of a principal, declared the first time it acts."""
    name = f"{PREFIX}:agent/{principal or _ANONYMOUS}"
    if not document.get_record(name):
        label = principal or "an unauthenticated writer (authentication off)"
        document.agent(name, {"prov:label": label, PROV_TYPE: "prov:Person"})
    return name


def _registry(document: ProvDocument, lineage: Lineage) -> None:
    """Version registrations and alias moves as activities associated with agents."""
    in_lineage = {
        v.version: v.artifact_id for v in lineage.versions if v.artifact_id in lineage.artifacts
    }
    for v in lineage.versions:
        if v.version not in in_lineage:
            continue
        activity = document.activity(
            f"{PREFIX}:registration/{lineage.model}/{v.version}",
            _time(v.registered_at_millis),
            _time(v.registered_at_millis),
            {PROV_TYPE: f"{PREFIX}:RegisterModelVersion", f"{PREFIX}:version": v.version},
        )
        agent = _agent(document, v.principal)
        document.wasAssociatedWith(activity, agent)
        document.wasAttributedTo(_name("artifact", v.artifact_id), agent)
        document.used(activity, _name("artifact", v.artifact_id))
    for change in lineage.alias_changes:
        activity = document.activity(
            f"{PREFIX}:alias-change/{lineage.model}/{change.sequence}",
            _time(change.changed_at_millis),
            _time(change.changed_at_millis),
            {
                PROV_TYPE: f"{PREFIX}:SetAlias",
                f"{PREFIX}:alias": change.alias,
                f"{PREFIX}:from": change.from_version or "-",
                f"{PREFIX}:to": change.to_version or "-",
                f"{PREFIX}:reason": change.reason,
            },
        )
        document.wasAssociatedWith(activity, _agent(document, change.principal))
        if change.to_version in in_lineage:
            document.used(activity, _name("artifact", in_lineage[change.to_version]))
