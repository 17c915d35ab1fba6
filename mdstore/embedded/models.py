"""The model registry methods of the embedded ``MetadataStore`` (mdstore's own).

Thin: each builds the ``mdstore.v1`` request and returns the answer's message
(``mdstore_client`` wraps the same calls in pydantic models).
"""

from __future__ import annotations

from typing import Any

from mdstore.embedded.base import StoreMethods
from mdstore.wire import v1


class ModelMethods(StoreMethods):
    """Registered models, versions, aliases, deployments and annotations."""

    def create_registered_model(self, name: str, policy: Any, description: str = "") -> Any:
        """Registers a model with its ``v1.ModelPolicy``; its ``v1.RegisteredModel``."""
        request = v1.CreateRegisteredModelRequest(name=name, policy=policy, description=description)
        return self._call("CreateRegisteredModel", request).model

    def set_model_policy(self, name: str, policy: Any, reason: str = "") -> Any:
        """Changes the model's policy (the old one is kept); its ``v1.RegisteredModel``."""
        request = v1.SetModelPolicyRequest(name=name, policy=policy, reason=reason)
        return self._call("SetModelPolicy", request).model

    def get_registered_model(self, name: str) -> Any:
        """The ``v1.RegisteredModel`` with its policy history."""
        return self._call("GetRegisteredModel", v1.GetRegisteredModelRequest(name=name)).model

    def register_model_version(
        self, name: str, artifact_id: int, *, bump: int = 0, reason: str = "", force: bool = False
    ) -> Any:
        """Registers the artifact as the next version; its ``v1.ModelVersion`` with reasons."""
        request = v1.RegisterModelVersionRequest(
            name=name, artifact_id=artifact_id, bump=bump, reason=reason, force=force
        )
        return self._call("RegisterModelVersion", request).version

    def get_model_versions(self, name: str) -> list[Any]:
        """The model's ``v1.ModelVersion`` messages, oldest first."""
        request = v1.ListModelVersionsRequest(name=name)
        return list(self._call("ListModelVersions", request).versions)

    def set_alias(self, name: str, alias: str, version: str, reason: str = "") -> Any:
        """Points ``alias`` at ``version`` (empty: removes it); the ``v1.AliasChange``."""
        request = v1.SetAliasRequest(name=name, alias=alias, version=version, reason=reason)
        return self._call("SetAlias", request).change

    def get_alias_history(self, name: str, alias: str = "") -> list[Any]:
        """The ``v1.AliasChange`` messages of the model (of one alias), oldest first."""
        request = v1.GetAliasHistoryRequest(name=name, alias=alias)
        return list(self._call("GetAliasHistory", request).changes)

    def resolve_model(self, uri: str, as_of: int | None = None) -> Any:
        """``models:/NAME/1.2.0``, ``@alias`` or ``/latest`` to a ``v1.ResolveModelResponse``."""
        request = v1.ResolveModelRequest(uri=uri)
        if as_of is not None:
            request.as_of_millis = as_of
        return self._call("ResolveModel", request)

    def deploy(
        self,
        name: str,
        version: str,
        environment: str,
        pattern: int,
        traffic_percent: float | None = None,
        reason: str = "",
    ) -> Any:
        """Records a deployment; the ``v1.DeployResponse`` (with what it stopped)."""
        request = v1.DeployRequest(
            name=name, version=version, environment=environment, pattern=pattern, reason=reason
        )
        if traffic_percent is not None:
            request.traffic_percent = traffic_percent
        return self._call("Deploy", request)

    def stop_deployment(self, deployment_id: int, reason: str = "") -> Any:
        """Records that a deployment stopped; its ``v1.Deployment``."""
        request = v1.StopDeploymentRequest(deployment_id=deployment_id, reason=reason)
        return self._call("StopDeployment", request).deployment

    def get_deployments(
        self, name: str = "", environment: str = "", serving_at: int | None = None
    ) -> list[Any]:
        """``v1.Deployment`` messages, oldest first; only those serving at a time when given."""
        request = v1.GetDeploymentsRequest(name=name, environment=environment)
        if serving_at is not None:
            request.serving_at_millis = serving_at
        return list(self._call("GetDeployments", request).deployments)

    def annotate(self, name: str, version: str, text: str, url: str = "") -> Any:
        """Appends a note to a version; the ``v1.Annotation``."""
        request = v1.AnnotateRequest(name=name, version=version, text=text, url=url)
        return self._call("Annotate", request).annotation

    def get_annotations(self, name: str, version: str = "") -> list[Any]:
        """The model's notes (one version's), oldest first."""
        request = v1.GetAnnotationsRequest(name=name, version=version)
        return list(self._call("GetAnnotations", request).annotations)
