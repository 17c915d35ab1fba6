"""Registry rows as ``mdstore.v1`` messages, and the enum numbers the rows store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from mdstore.store.registry.aliases import AliasChangeRow
from mdstore.store.registry.annotations import AnnotationRow
from mdstore.store.registry.deployments import DeploymentRow
from mdstore.store.registry.models import PolicyRow
from mdstore.store.registry.versions import VersionRow
from mdstore.versioning import deployments, semver
from mdstore.versioning.policy import Policy
from mdstore.wire import v1

"""Who made a change: empty until authentication exists."""

BUMP_NUMBERS: Final[dict[str, int]] = {
    bump: v1.Bump.values_by_name[bump.upper()].number
    for bump in (semver.INITIAL, semver.MAJOR, semver.MINOR, semver.PIPELINE)
}
BUMP_NAMES: Final = {number: name for name, number in BUMP_NUMBERS.items()}
PATTERN_NUMBERS: Final[dict[str, int]] = {
    pattern: v1.DeploymentPattern.values_by_name[pattern.upper().replace("-", "_")].number
    for pattern in deployments.PATTERNS
}
PATTERN_NAMES: Final = {number: name for name, number in PATTERN_NUMBERS.items()}


def policy_row(policy: Policy, now: int, reason: str, principal: str) -> PolicyRow:
    """A checked policy as a row to store."""
    return PolicyRow(
        metric=policy.metric,
        lower_is_better=policy.lower_is_better,
        min_improvement=policy.min_improvement,
        schema_properties=policy.schema_properties,
        target_properties=policy.target_properties,
        changed_at=now,
        principal=principal,
        reason=reason,
    )


def policy_of(row: PolicyRow) -> Policy:
    """The stored policy as the rules read it."""
    return Policy(
        row.metric,
        row.lower_is_better,
        row.min_improvement,
        row.schema_properties,
        row.target_properties,
    )


def model_message(model: Any, policies: Sequence[PolicyRow], latest: VersionRow | None) -> Any:
    """A ``RegisteredModel`` from its row, its policies (oldest first) and latest version."""
    history = [
        v1.PolicyChange(
            policy=policy_of(row).to_proto(),
            changed_at_millis=row.changed_at,
            principal=row.principal,
            reason=row.reason,
        )
        for row in policies
    ]
    return v1.RegisteredModel(
        name=model.name,
        context_id=model.context_id,
        description=model.description,
        policy=history[-1].policy if history else None,
        created_at_millis=model.created_at,
        latest_version=latest.text if latest else "",
        policy_history=history,
    )


def version_message(name: str, row: VersionRow, previous: str = "") -> Any:
    """A ``ModelVersion`` (``previous``: the version it was compared with)."""
    message = v1.ModelVersion(
        name=name,
        version=row.text,
        artifact_id=row.artifact_id,
        bump=row.bump,
        computed_bump=row.computed_bump,
        reasons=[v1.VersionReason(rule=rule, text=text) for rule, text in row.reasons],
        override_reason=row.override_reason,
        registered_at_millis=row.registered_at,
        principal=row.principal,
        previous_version=previous,
        sequence=row.sequence,
    )
    if row.metric is not None:
        message.metric = row.metric
    return message


def versions_messages(name: str, rows: Sequence[VersionRow]) -> list[Any]:
    """Every version, each with the one registered before it as ``previous_version``."""
    return [
        version_message(name, row, rows[index - 1].text if index else "")
        for index, row in enumerate(rows)
    ]


def alias_message(name: str, row: AliasChangeRow, texts: Mapping[int, str]) -> Any:
    """An ``AliasChange`` (``texts``: version text by sequence)."""
    return v1.AliasChange(
        name=name,
        alias=row.alias,
        from_version=texts.get(row.from_version, "") if row.from_version else "",
        to_version=texts.get(row.to_version, "") if row.to_version else "",
        changed_at_millis=row.changed_at,
        principal=row.principal,
        reason=row.reason,
        sequence=row.sequence,
    )


def deployment_message(name: str, row: DeploymentRow, version: str) -> Any:
    """A ``Deployment``."""
    message = v1.Deployment(
        id=row.id,
        name=name,
        version=version,
        environment=row.environment,
        pattern=row.pattern,
        started_at_millis=row.started_at,
        stopped_at_millis=row.stopped_at or 0,
        principal=row.principal,
        reason=row.reason,
    )
    if row.traffic_percent is not None:
        message.traffic_percent = row.traffic_percent
    return message


def annotation_message(name: str, row: AnnotationRow, version: str) -> Any:
    """An ``Annotation``."""
    return v1.Annotation(
        name=name,
        version=version,
        text=row.text,
        url=row.url,
        created_at_millis=row.created_at,
        principal=row.principal,
    )
