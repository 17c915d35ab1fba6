"""Handlers of the event methods: PutEvents and GetEventsBy*IDs."""

from __future__ import annotations

from typing import Any

from mdstore.store import Transaction
from mdstore.store.records.events import events_of, put_events
from mdstore.wire import mlmd


def put_events_rpc(conn: Transaction, request: Any) -> Any:
    """PutEvents: inserts events between stored artifacts and executions."""
    put_events(conn, request.events)
    return mlmd.PutEventsResponse()


def get_events_by_execution_ids(conn: Transaction, request: Any) -> Any:
    """GetEventsByExecutionIDs: the events of these executions, in recorded order."""
    events = events_of(conn, "execution_id", request.execution_ids)
    return mlmd.GetEventsByExecutionIDsResponse(events=events)


def get_events_by_artifact_ids(conn: Transaction, request: Any) -> Any:
    """GetEventsByArtifactIDs: the events of these artifacts, in recorded order."""
    events = events_of(conn, "artifact_id", request.artifact_ids)
    return mlmd.GetEventsByArtifactIDsResponse(events=events)
