"""RegisterModelVersion and ListModelVersions.

Registration locks the model's row first, so registrations of one model run one
after another on any number of servers; the unique (model, version) key is the
guarantee underneath. The new artifact is compared with the latest version's
under the policy in force now; the rules (``mdstore.versioning.rules``) decide.
"""

from __future__ import annotations

from typing import Any

from mdstore.errors import AlreadyExistsError, FailedPreconditionError, InvalidArgumentError
from mdstore.provenance.diff import diff
from mdstore.service.v1.models.catalog import model_named
from mdstore.service.v1.models.evidence import gather
from mdstore.service.v1.models.messages import (
    BUMP_NAMES,
    BUMP_NUMBERS,
    policy_of,
    version_message,
    versions_messages,
)
from mdstore.store import Transaction, principal
from mdstore.store.db import clock
from mdstore.store.records.kinds import ARTIFACT
from mdstore.store.records.links import attribute
from mdstore.store.records.node_writes import put_nodes
from mdstore.store.registry.models import policies_of
from mdstore.store.registry.versions import (
    VersionRow,
    add_version,
    find_version,
    latest_versions,
    versions_of,
)
from mdstore.versioning.changes import describe
from mdstore.versioning.rules import OVERRIDE, Decision, Reason, decide, forced
from mdstore.versioning.semver import BUMPS, FIRST, INITIAL, PIPELINE, Version
from mdstore.wire import bookkeeping, v1


def register_model_version(conn: Transaction, request: Any) -> Any:
    """RegisterModelVersion: the next version, computed from the lineage, with reasons."""
    requested = _requested_bump(request)
    model = model_named(conn, request.name, lock=True)  # first: see the module doc
    if request.artifact_id <= 0:
        raise InvalidArgumentError("artifact_id must name a model artifact (a positive id)")
    taken = find_version(conn, model.id, artifact_id=request.artifact_id)
    if taken is not None:
        raise AlreadyExistsError(
            f"artifact {request.artifact_id} is already version {taken.text} of {model.name!r}"
        )
    policy = policy_of(policies_of(conn, [model.id])[model.id][-1])
    current = gather(conn, request.artifact_id, policy, need_metric=True)
    latest = latest_versions(conn, [model.id]).get(model.id)
    if latest is None:
        if requested is not None:
            raise InvalidArgumentError(
                "the first version is always 1.0.0: register it without a bump"
            )
        decision = decide(policy, current.evidence, None, ())
    else:
        previous = gather(conn, latest.artifact_id, policy, need_metric=False)
        changes = describe(diff(previous.lineage, current.lineage))
        decision = decide(policy, current.evidence, previous.evidence, changes)
    bump, reasons = _applied(decision, requested, request, latest)
    row = VersionRow(
        model_id=model.id,
        sequence=latest.sequence + 1 if latest else 1,
        number=_next(latest, bump),
        artifact_id=request.artifact_id,
        bump=BUMP_NUMBERS[bump],
        computed_bump=BUMP_NUMBERS[decision.bump or PIPELINE],
        reasons=tuple((reason.rule, reason.text) for reason in reasons),
        override_reason=request.reason if requested is not None else "",
        metric=current.evidence.metric,
        registered_at=clock.now_ms(),
        principal=principal(conn),
    )
    add_version(conn, row)
    _mark_artifact(conn, model.context_id, current.lineage.artifacts[request.artifact_id], row.text)
    previous_text = latest.text if latest else ""
    return v1.RegisterModelVersionResponse(version=version_message(model.name, row, previous_text))


def _requested_bump(request: Any) -> str | None:
    """The caller's bump (None: let the rules decide).

    Raises:
        InvalidArgumentError: an unknown bump, INITIAL, or a bump without a reason.
    """
    if request.bump == 0:
        return None
    bump = BUMP_NAMES.get(request.bump)
    if bump is None or bump == INITIAL:
        raise InvalidArgumentError(f"bump must be one of {', '.join(BUMPS)}")
    if not request.reason.strip():
        raise InvalidArgumentError("overriding the computed bump needs a reason")
    return bump


def _applied(
    decision: Decision, requested: str | None, request: Any, latest: VersionRow | None
) -> tuple[str, tuple[Reason, ...]]:
    """The bump to apply and the reasons to keep (an override first, with the rules')."""
    if requested is not None:
        computed = decision.bump or "nothing"
        override = Reason(
            OVERRIDE, f"{requested} by request (the rules computed {computed}): {request.reason}"
        )
        return requested, (override, *decision.reasons)
    if decision.bump is not None:
        return decision.bump, decision.reasons
    assert latest is not None  # the first version always has a bump
    if not request.force:
        raise FailedPreconditionError(
            f"nothing differs from version {latest.text} (artifact {latest.artifact_id}):"
            " same training data, no better metric, same upstream lineage;"
            " force the registration to make it a new pipeline version anyway"
        )
    return PIPELINE, (forced(Version(*latest.number)), *decision.reasons)


def _next(latest: VersionRow | None, bump: str) -> tuple[int, int, int]:
    version = FIRST if latest is None else Version(*latest.number).bumped(bump)
    return version.major, version.minor, version.pipeline


def _mark_artifact(conn: Transaction, context_id: int, artifact: Any, version: str) -> None:
    """What MLMD clients see: the artifact in the model's context, with its version."""
    attribute(conn, [(context_id, artifact.id)])
    change = ARTIFACT.message(id=artifact.id, type_id=artifact.type_id)
    change.custom_properties[bookkeeping.VERSION].string_value = version
    put_nodes(conn, ARTIFACT, [change], [f"custom_properties.{bookkeeping.VERSION}"])


def list_model_versions(conn: Transaction, request: Any) -> Any:
    """ListModelVersions: oldest first, each with the version before it."""
    model = model_named(conn, request.name)
    return v1.ListModelVersionsResponse(
        versions=versions_messages(model.name, versions_of(conn, model.id))
    )
