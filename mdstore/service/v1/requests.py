"""Reading ``mdstore.v1`` requests: node references, times, walk options, page tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from mdstore.errors import InvalidArgumentError, NotFoundError
from mdstore.store import Transaction
from mdstore.store.history.versions import nodes_as_of
from mdstore.store.lineage.model import Limits
from mdstore.store.lineage.selection import matching
from mdstore.store.records.kinds import ARTIFACT, CONTEXT, EXECUTION, KIND_BY_CODE, NodeKind

DEFAULT_PAGE_SIZE = 50_000
MAX_PAGE_SIZE = 200_000


def node_kind(code: int, *, contexts: bool = False) -> NodeKind:
    """The node kind of a ``v1.NodeKind`` number (contexts only where they make sense).

    Raises:
        InvalidArgumentError: unspecified or unknown.
    """
    kind = KIND_BY_CODE.get(code)
    if kind is None or (kind is CONTEXT and not contexts):
        allowed = "ARTIFACT, EXECUTION or CONTEXT" if contexts else "ARTIFACT or EXECUTION"
        raise InvalidArgumentError(f"the node kind must be {allowed}")
    return kind


def as_of(message: Any) -> int | None:
    """A request's ``as_of_millis``, None when unset.

    Raises:
        InvalidArgumentError: a negative time.
    """
    if not message.HasField("as_of_millis"):
        return None
    if message.as_of_millis < 0:
        raise InvalidArgumentError(f"as_of_millis cannot be negative: {message.as_of_millis}")
    return int(message.as_of_millis)


def existing_node(conn: Transaction, kind: NodeKind, node_id: int, when: int | None) -> Any:
    """The node as it was at ``when`` (None: now).

    Raises:
        NotFoundError: no such node, or not yet created at ``when``.
    """
    found = nodes_as_of(conn, kind, [node_id], when)
    if not found:
        later = f" at {when} (it was created later, or never)" if when is not None else ""
        raise NotFoundError(f"no {kind.label} with id {node_id}{later}")
    return found[0]


def limits(conn: Transaction, options: Any, direction: int) -> Limits:
    """Walk limits from WalkOptions.

    Raises:
        InvalidArgumentError: a negative hop count or time, or a bad filter.
    """
    hops = options.max_hops if options.HasField("max_hops") else None
    if hops is not None and hops < 0:
        raise InvalidArgumentError(f"max_hops cannot be negative: {hops}")
    stop_a, stop_e = options.stop_at_artifacts, options.stop_at_executions
    return Limits(
        max_hops=hops,
        direction=direction,
        stop_artifacts=matching(conn, ARTIFACT, stop_a) if stop_a else None,
        stop_executions=matching(conn, EXECUTION, stop_e) if stop_e else None,
        keep_stops=True,
        as_of=as_of(options),
    )


def page_size(options: Any) -> int:
    """Nodes per page.

    Raises:
        InvalidArgumentError: negative, or over MAX_PAGE_SIZE.
    """
    size = options.page_size or DEFAULT_PAGE_SIZE
    if not 0 < size <= MAX_PAGE_SIZE:
        raise InvalidArgumentError(f"page_size must be 1..{MAX_PAGE_SIZE}, got {size}")
    return int(size)


# ---------------------------------------------------------------- page tokens
#
# A token records where the next page starts, the time the first page answered
# as of (so every page describes one snapshot), and a digest of the request it
# was made for (reusing it with another request is INVALID_ARGUMENT).


def request_digest(request: Any) -> str:
    """A digest of the request less its page token."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.options.ClearField("page_token")
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()[:16]


def make_token(request: Any, offset: int, snapshot: int) -> str:
    """The token of the page starting at ``offset`` of the answer as of ``snapshot``."""
    body = json.dumps({"o": offset, "t": snapshot, "r": request_digest(request)})
    return base64.urlsafe_b64encode(body.encode()).decode()


def read_token(request: Any) -> tuple[int, int] | None:
    """``(offset, snapshot time)`` from the request's page token; None without one.

    Raises:
        InvalidArgumentError: a malformed token, or one made for another request.
    """
    token = request.options.page_token
    if not token:
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset, snapshot, digest = int(body["o"]), int(body["t"]), str(body["r"])
    except (binascii.Error, ValueError, KeyError, TypeError) as e:
        raise InvalidArgumentError("page_token is not a token this server issued") from e
    if digest != request_digest(request) or offset < 0:
        raise InvalidArgumentError("page_token was issued for a different request")
    return offset, snapshot
