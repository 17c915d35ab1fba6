"""The client's model registry calls: one ``mdstore.v1`` call each, pydantic answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mdstore.errors import InvalidArgumentError
from mdstore.wire import v1
from mdstore_client.convert import ARTIFACT, Kind
from mdstore_client.models import Artifact, Node
from mdstore_client.provenance_calls import Time, to_millis
from mdstore_client.registry import (
    BUMPS,
    PATTERNS,
    AliasChange,
    Annotation,
    Deployment,
    ModelVersion,
    RegisteredModel,
    ResolvedModel,
    alias_from_proto,
    annotation_from_proto,
    deployment_from_proto,
    model_from_proto,
    resolved_from_proto,
    version_from_proto,
)

_BUMP_NUMBERS = {
    name: number for number, name in BUMPS.items() if name not in ("unspecified", "initial")
}
_PATTERN_NUMBERS = {name: number for number, name in PATTERNS.items() if name != "unspecified"}


def _policy(
    metric: str,
    lower_is_better: bool,
    min_improvement: float,
    schema_properties: Sequence[str],
    target_properties: Sequence[str],
) -> Any:
    return v1.ModelPolicy(
        metric=metric,
        lower_is_better=lower_is_better,
        min_improvement=min_improvement,
        schema_properties=list(schema_properties),
        target_properties=list(target_properties),
    )


def _choice(value: str, numbers: dict[str, int], what: str) -> int:
    number = numbers.get(value)
    if number is None:
        raise InvalidArgumentError(
            f"unknown {what} {value!r}: expected one of {', '.join(numbers)}"
        )
    return number


class RegistryCalls:
    """Registered models, versions, aliases, deployments and notes (mixed into ``Client``)."""

    if TYPE_CHECKING:  # provided by Client and Queries

        def call(self, method: str, request: Any) -> Any: ...

        def id_of(self, node: Node | int, kind: Kind) -> int: ...

    def create_model(
        self,
        name: str,
        metric: str,
        *,
        lower_is_better: bool = False,
        min_improvement: float = 0.0,
        schema_properties: Sequence[str] = (),
        target_properties: Sequence[str] = (),
        description: str = "",
    ) -> RegisteredModel:
        """Registers a model with its versioning policy (ALREADY_EXISTS when taken)."""
        policy = _policy(
            metric, lower_is_better, min_improvement, schema_properties, target_properties
        )
        request = v1.CreateRegisteredModelRequest(name=name, policy=policy, description=description)
        return model_from_proto(self.call("CreateRegisteredModel", request).model)

    def set_model_policy(
        self,
        name: str,
        metric: str,
        *,
        lower_is_better: bool = False,
        min_improvement: float = 0.0,
        schema_properties: Sequence[str] = (),
        target_properties: Sequence[str] = (),
        reason: str = "",
    ) -> RegisteredModel:
        """Changes the model's policy; the earlier ones stay in ``policy_history``."""
        policy = _policy(
            metric, lower_is_better, min_improvement, schema_properties, target_properties
        )
        request = v1.SetModelPolicyRequest(name=name, policy=policy, reason=reason)
        return model_from_proto(self.call("SetModelPolicy", request).model)

    def get_model(self, name: str) -> RegisteredModel:
        """The model with its policy history and latest version."""
        return model_from_proto(
            self.call("GetRegisteredModel", v1.GetRegisteredModelRequest(name=name)).model
        )

    def list_models(self) -> list[RegisteredModel]:
        """Every registered model, by name."""
        response = self.call("ListRegisteredModels", v1.ListRegisteredModelsRequest())
        return [model_from_proto(model) for model in response.models]

    def register_model(
        self,
        name: str,
        artifact: Artifact | int,
        *,
        bump: str | None = None,
        reason: str = "",
        force: bool = False,
    ) -> ModelVersion:
        """Registers a model artifact as the next version, computed from its lineage.

        Args:
            bump: ``"major"``, ``"minor"`` or ``"pipeline"`` to override the rules
                (needs ``reason``); None lets them decide.
            force: register even when nothing differs from the latest version.
        """
        request = v1.RegisterModelVersionRequest(
            name=name, artifact_id=self.id_of(artifact, ARTIFACT), reason=reason, force=force
        )
        if bump is not None:
            request.bump = _choice(bump, _BUMP_NUMBERS, "bump")
        return version_from_proto(self.call("RegisterModelVersion", request).version)

    def model_versions(self, name: str) -> list[ModelVersion]:
        """The model's versions, oldest first."""
        response = self.call("ListModelVersions", v1.ListModelVersionsRequest(name=name))
        return [version_from_proto(version) for version in response.versions]

    def set_alias(self, name: str, alias: str, version: str, reason: str = "") -> AliasChange:
        """Points ``alias`` at ``version``; every move is kept."""
        request = v1.SetAliasRequest(name=name, alias=alias, version=version, reason=reason)
        return alias_from_proto(self.call("SetAlias", request).change)

    def remove_alias(self, name: str, alias: str, reason: str = "") -> AliasChange:
        """Removes ``alias`` (NOT_FOUND when it is not set); kept in the history."""
        return self.set_alias(name, alias, "", reason)

    def alias_history(self, name: str, alias: str = "") -> list[AliasChange]:
        """The changes of the model's aliases (or one alias's), oldest first."""
        response = self.call("GetAliasHistory", v1.GetAliasHistoryRequest(name=name, alias=alias))
        return [alias_from_proto(change) for change in response.changes]

    def resolve_model(self, uri: str, as_of: Time = None) -> ResolvedModel:
        """``models:/NAME/1.2.0``, ``models:/NAME@ALIAS`` or ``models:/NAME/latest``."""
        request = v1.ResolveModelRequest(uri=uri)
        when = to_millis(as_of)
        if when is not None:
            request.as_of_millis = when
        return resolved_from_proto(self.call("ResolveModel", request))

    def deploy(
        self,
        name: str,
        version: str,
        environment: str,
        pattern: str,
        traffic_percent: float | None = None,
        reason: str = "",
    ) -> Deployment:
        """Records that ``version`` serves ``environment`` (shadow, canary or blue-green)."""
        request = v1.DeployRequest(
            name=name,
            version=version,
            environment=environment,
            pattern=_choice(pattern, _PATTERN_NUMBERS, "deployment pattern"),
            reason=reason,
        )
        if traffic_percent is not None:
            request.traffic_percent = traffic_percent
        response = self.call("Deploy", request)
        made = deployment_from_proto(response.deployment)
        made.replaced = [stopped.id for stopped in response.stopped]
        return made

    def stop_deployment(self, deployment_id: int, reason: str = "") -> Deployment:
        """Records that a deployment stopped serving."""
        request = v1.StopDeploymentRequest(deployment_id=deployment_id, reason=reason)
        return deployment_from_proto(self.call("StopDeployment", request).deployment)

    def deployments(
        self, name: str = "", environment: str = "", serving_at: Time = None
    ) -> list[Deployment]:
        """Deployments, oldest first; only those serving at ``serving_at`` when given."""
        request = v1.GetDeploymentsRequest(name=name, environment=environment)
        when = to_millis(serving_at)
        if when is not None:
            request.serving_at_millis = when
        response = self.call("GetDeployments", request)
        return [deployment_from_proto(deployment) for deployment in response.deployments]

    def annotate(self, name: str, version: str, text: str, url: str = "") -> Annotation:
        """Appends a note (and a link) to a version."""
        request = v1.AnnotateRequest(name=name, version=version, text=text, url=url)
        return annotation_from_proto(self.call("Annotate", request).annotation)

    def annotations(self, name: str, version: str = "") -> list[Annotation]:
        """The model's notes (one version's), oldest first."""
        response = self.call("GetAnnotations", v1.GetAnnotationsRequest(name=name, version=version))
        return [annotation_from_proto(note) for note in response.annotations]
