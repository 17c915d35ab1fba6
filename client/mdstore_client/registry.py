"""The model registry's answers as pydantic models: models, versions with their
reasons, alias changes, resolved URIs, deployments and annotations.

Times are timezone-aware UTC datetimes; bumps and patterns are the lower-case
names the CLI prints (``"minor"``, ``"blue-green"``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mdstore.wire import v1
from mdstore_client.provenance import time_from_millis

BUMPS = {value.number: value.name.lower() for value in v1.Bump.values}
PATTERNS = {
    value.number: value.name.lower().replace("_", "-") for value in v1.DeploymentPattern.values
}


def _iso(when: datetime | None) -> str | None:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z") if when else None


def _json(model: BaseModel) -> dict[str, Any]:
    """A model's fields as JSON values, every time as ``_iso`` writes it."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return _iso(value)
        if isinstance(value, BaseModel):
            return {name: plain(getattr(value, name)) for name in type(value).model_fields}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    return dict(plain(model))


class Policy(BaseModel):
    """How a model's versions are decided (see docs/models.md)."""

    metric: str
    lower_is_better: bool = False
    min_improvement: float = 0.0
    schema_properties: list[str] = []
    target_properties: list[str] = []
    changed_at: datetime | None = None
    reason: str = ""


class RegisteredModel(BaseModel):
    """A registered model: its policy in force, its history, its latest version."""

    name: str
    context_id: int
    description: str = ""
    policy: Policy
    created_at: datetime | None
    latest_version: str = ""
    policy_history: list[Policy] = []

    def to_json(self) -> dict[str, Any]:
        return _json(self)

    def render(self) -> str:
        direction = "lower" if self.policy.lower_is_better else "higher"
        latest = self.latest_version or "no version yet"
        return (
            f"{self.name}: {latest}; metric {self.policy.metric} ({direction} is better,"
            f" min improvement {self.policy.min_improvement:g}); context #{self.context_id}"
        )


class Reason(BaseModel):
    """Why a version is what it is: the rule (a bump, ``note``, ``override``) and a sentence."""

    rule: str
    text: str


class ModelVersion(BaseModel):
    """A registered version and the reasons for its number, the deciding one first."""

    name: str
    version: str
    artifact_id: int
    bump: str
    computed_bump: str
    reasons: list[Reason]
    override_reason: str = ""
    registered_at: datetime | None
    principal: str = ""
    metric: float | None = None
    previous_version: str = ""
    sequence: int

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON: ``reasons`` as sentences, ``reason_rules`` beside them."""
        return {
            "name": self.name,
            "version": self.version,
            "bump": self.bump,
            "computed_bump": self.computed_bump,
            "reasons": [reason.text for reason in self.reasons],
            "reason_rules": [reason.rule for reason in self.reasons],
            "artifact_id": self.artifact_id,
            "previous_version": self.previous_version,
            "metric": self.metric,
            "override_reason": self.override_reason,
            "registered_at": _iso(self.registered_at),
            "sequence": self.sequence,
        }

    def render(self) -> str:
        after = f", after {self.previous_version}" if self.previous_version else ""
        bump = self.bump
        if self.override_reason:
            bump += f", overridden: the rules said {self.computed_bump}"
        head = f"{self.name} {self.version} ({bump}) from artifact {self.artifact_id}{after}"
        return "\n".join([head, *(f"  {r.rule:<9} {r.text}" for r in self.reasons)])


class AliasChange(BaseModel):
    """One change of an alias: set (from nothing), moved, removed (to nothing)."""

    model_config = ConfigDict(populate_by_name=True)

    name: str
    alias: str
    from_: str = Field("", alias="from")
    to: str = ""
    time: datetime | None
    principal: str = ""
    reason: str = ""
    sequence: int

    def to_json(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "from": self.from_,
            "to": self.to,
            "time": _iso(self.time),
            "reason": self.reason,
            "principal": self.principal,
            "sequence": self.sequence,
        }

    def render(self) -> str:
        moved = f"{self.from_ or '-'} -> {self.to or '-'}"
        when = _iso(self.time) or ""
        return f"{when}  {self.alias:<12} {moved:<18} {self.reason}".rstrip()


class ResolvedModel(BaseModel):
    """What a model URI names: the version and its artifact."""

    name: str
    version: str
    artifact_id: int
    uri: str
    digest: str = ""

    def to_json(self) -> dict[str, Any]:
        return _json(self)

    def render(self) -> str:
        digest = f"  sha256 {self.digest}" if self.digest else ""
        return f"{self.name} {self.version}: artifact #{self.artifact_id} {self.uri}{digest}"


class Deployment(BaseModel):
    """A version serving an environment from ``started_at`` until ``stopped_at``."""

    id: int
    name: str
    version: str
    environment: str
    pattern: str
    traffic_percent: float | None = None
    started_at: datetime | None
    stopped_at: datetime | None = None
    principal: str = ""
    reason: str = ""
    replaced: list[int] = []
    """Deployments this one stopped (a blue-green cut-over, a redeploy); set by ``deploy``."""

    def to_json(self) -> dict[str, Any]:
        return _json(self)

    def render(self) -> str:
        share = f" {self.traffic_percent:g}%" if self.traffic_percent is not None else ""
        until = _iso(self.stopped_at) or "now"
        stopped = f"  (stopped #{', #'.join(map(str, self.replaced))})" if self.replaced else ""
        return (
            f"#{self.id} {self.name} {self.version} {self.environment} {self.pattern}{share}"
            f"  {_iso(self.started_at)} .. {until}{stopped}"
        )


class Annotation(BaseModel):
    """A note (and a link) on a version."""

    name: str
    version: str
    text: str
    url: str = ""
    created_at: datetime | None
    principal: str = ""

    def to_json(self) -> dict[str, Any]:
        return _json(self)

    def render(self) -> str:
        link = f"  {self.url}" if self.url else ""
        return f"{_iso(self.created_at)}  {self.version}  {self.text}{link}"


# ------------------------------------------------------------------ conversion


def policy_from_proto(message: Any, changed_at: int = 0, reason: str = "") -> Policy:
    return Policy(
        metric=message.metric,
        lower_is_better=message.lower_is_better,
        min_improvement=message.min_improvement,
        schema_properties=list(message.schema_properties),
        target_properties=list(message.target_properties),
        changed_at=time_from_millis(changed_at),
        reason=reason,
    )


def model_from_proto(message: Any) -> RegisteredModel:
    history = [
        policy_from_proto(change.policy, change.changed_at_millis, change.reason)
        for change in message.policy_history
    ]
    return RegisteredModel(
        name=message.name,
        context_id=message.context_id,
        description=message.description,
        policy=history[-1] if history else policy_from_proto(message.policy),
        created_at=time_from_millis(message.created_at_millis),
        latest_version=message.latest_version,
        policy_history=history,
    )


def version_from_proto(message: Any) -> ModelVersion:
    return ModelVersion(
        name=message.name,
        version=message.version,
        artifact_id=message.artifact_id,
        bump=BUMPS.get(message.bump, "unspecified"),
        computed_bump=BUMPS.get(message.computed_bump, "unspecified"),
        reasons=[Reason(rule=r.rule, text=r.text) for r in message.reasons],
        override_reason=message.override_reason,
        registered_at=time_from_millis(message.registered_at_millis),
        principal=message.principal,
        metric=message.metric if message.HasField("metric") else None,
        previous_version=message.previous_version,
        sequence=message.sequence,
    )


def alias_from_proto(message: Any) -> AliasChange:
    return AliasChange.model_validate(
        {
            "name": message.name,
            "alias": message.alias,
            "from": message.from_version,
            "to": message.to_version,
            "time": time_from_millis(message.changed_at_millis),
            "principal": message.principal,
            "reason": message.reason,
            "sequence": message.sequence,
        }
    )


def resolved_from_proto(message: Any) -> ResolvedModel:
    return ResolvedModel(
        name=message.name,
        version=message.version,
        artifact_id=message.artifact_id,
        uri=message.uri,
        digest=message.digest,
    )


def deployment_from_proto(message: Any) -> Deployment:
    return Deployment(
        id=message.id,
        name=message.name,
        version=message.version,
        environment=message.environment,
        pattern=PATTERNS.get(message.pattern, "unspecified"),
        traffic_percent=message.traffic_percent if message.HasField("traffic_percent") else None,
        started_at=time_from_millis(message.started_at_millis),
        stopped_at=time_from_millis(message.stopped_at_millis),
        principal=message.principal,
        reason=message.reason,
    )


def annotation_from_proto(message: Any) -> Annotation:
    return Annotation(
        name=message.name,
        version=message.version,
        text=message.text,
        url=message.url,
        created_at=time_from_millis(message.created_at_millis),
        principal=message.principal,
    )
