"""Deploy, StopDeployment and GetDeployments: which version served where, and when."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from mdstore.errors import FailedPreconditionError, InvalidArgumentError, NotFoundError
from mdstore.service.v1.models.catalog import model_named, version_named
from mdstore.service.v1.models.messages import (
    PATTERN_NAMES,
    PATTERN_NUMBERS,
    deployment_message,
)
from mdstore.store import Transaction, principal
from mdstore.store.db import clock
from mdstore.store.registry.deployments import (
    DeploymentRow,
    add_deployment,
    deployments,
    find_deployment,
    running,
    stop,
)
from mdstore.store.registry.models import model_by_id
from mdstore.store.registry.versions import version_texts
from mdstore.versioning.deployments import (
    PATTERNS,
    Running,
    check_environment,
    check_traffic,
    ended_by,
)
from mdstore.wire import v1


def deploy(conn: Transaction, request: Any) -> Any:
    """Deploy: records that a version serves an environment; stops what it replaces."""
    pattern = PATTERN_NAMES.get(request.pattern)
    if pattern is None:
        raise InvalidArgumentError(f"pattern must be one of {', '.join(PATTERNS)}")
    traffic = request.traffic_percent if request.HasField("traffic_percent") else None
    traffic = check_traffic(pattern, traffic)
    environment = check_environment(request.environment)
    model = model_named(conn, request.name, lock=True)
    version = version_named(conn, model, request.version)
    texts = version_texts(conn, model.id)
    now = clock.now_ms()
    serving = running(conn, model.id, environment)
    ended = ended_by(pattern, version.text, [Running(d.id, texts[d.version]) for d in serving])
    stop(conn, ended, now)
    stopped = [replace(d, stopped_at=now) for d in serving if d.id in ended]
    new = add_deployment(
        conn,
        DeploymentRow(
            id=0,
            model_id=model.id,
            version=version.sequence,
            environment=environment,
            pattern=PATTERN_NUMBERS[pattern],
            traffic_percent=traffic,
            started_at=now,
            stopped_at=None,
            principal=principal(conn),
            reason=request.reason,
        ),
    )
    return v1.DeployResponse(
        deployment=deployment_message(model.name, new, version.text),
        stopped=[deployment_message(model.name, d, texts[d.version]) for d in stopped],
    )


def stop_deployment(conn: Transaction, request: Any) -> Any:
    """StopDeployment: records that a running deployment stopped serving."""
    if request.deployment_id <= 0:
        raise InvalidArgumentError("deployment_id must be a positive id")
    found = find_deployment(conn, request.deployment_id, lock=True)
    if found is None:
        raise NotFoundError(f"no deployment with id {request.deployment_id}")
    if found.stopped_at is not None:
        raise FailedPreconditionError(
            f"deployment {found.id} already stopped at {found.stopped_at}"
        )
    now = clock.now_ms()
    stop(conn, [found.id], now)
    name, texts = _model_of(conn, found.model_id)
    return v1.StopDeploymentResponse(
        deployment=deployment_message(name, replace(found, stopped_at=now), texts[found.version])
    )


def get_deployments(conn: Transaction, request: Any) -> Any:
    """GetDeployments: of a model and/or environment, optionally only those serving at a time."""
    model_id = model_named(conn, request.name).id if request.name else None
    environment = check_environment(request.environment) if request.environment else ""
    serving_at = None
    if request.HasField("serving_at_millis"):
        if request.serving_at_millis < 0:
            raise InvalidArgumentError("serving_at_millis cannot be negative")
        serving_at = int(request.serving_at_millis)
    found = deployments(conn, model_id, environment, serving_at)
    models = {model_id: _model_of(conn, model_id) for model_id in {d.model_id for d in found}}
    return v1.GetDeploymentsResponse(
        deployments=[
            deployment_message(models[d.model_id][0], d, models[d.model_id][1][d.version])
            for d in found
        ]
    )


def _model_of(conn: Transaction, model_id: int) -> tuple[str, dict[int, str]]:
    """A model's name and its version texts by sequence."""
    return model_by_id(conn, model_id).name, version_texts(conn, model_id)
