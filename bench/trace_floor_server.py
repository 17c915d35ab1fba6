"""The floor under the trace rows: ``mdstore serve``'s answers, replayed from memory.

A gRPC server in front of ``mdstore serve`` that forwards every call of both
services as bytes, and answers a provenance question (Trace, Impact, Path, Diff)
whose request bytes it has answered before from a dict; any call that may write
empties the dict first, so its answers stay the store's. The benchmark asks each
trace once untimed before timing it, so the timed calls reach a server that does
no work: what remains is ``mdstore_client`` (request, gRPC, parsing the answer and
building its pydantic models) and Python's gRPC server loop. ml-metadata's time
over that is the most any server behind ``mdstore_client`` could reach in the run,
as configuration (e) is for the lineage rows.

Runs in the project's interpreter::

    .venv/bin/python bench/trace_floor_server.py --upstream 127.0.0.1:50051 --port 50052

Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import sys
import threading
from concurrent import futures
from typing import Any

import grpc
from processes import run_until_signalled  # bench/ is sys.path[0]: run as a script

from mdstore.wire import MDSTORE_SERVICE, MLMD_SERVICE, service_methods

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
QUESTIONS = frozenset({"Trace", "Impact", "Path", "Diff"})
"""Reads whose answers are kept: the provenance questions."""


def _may_write(method: str) -> bool:
    return method not in QUESTIONS and not method.startswith("Get")


class Answers:
    """The answers kept, shared by both services: a write through either forgets them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept: dict[tuple[str, bytes], bytes] = {}


def method_handlers(
    upstream: grpc.Channel, service: str, answers: Answers
) -> dict[str, grpc.RpcMethodHandler]:
    """One pass-through handler per method of ``service``, questions answered once."""
    handlers = {}
    for name, _, _ in service_methods(service):
        forward = upstream.unary_unary(f"/{service}/{name}")  # bytes in, bytes out

        def handle(request: bytes, context: grpc.ServicerContext, name=name, forward=forward):
            key = (name, request)
            with answers.lock:
                if _may_write(name):
                    answers.kept.clear()
                elif (cached := answers.kept.get(key)) is not None:
                    return cached
            try:
                response: bytes = forward(request, metadata=context.invocation_metadata())
            except grpc.RpcError as e:
                context.abort(e.code(), e.details() or "")
            with answers.lock:
                if name in QUESTIONS:
                    answers.kept[key] = response
                elif _may_write(name):  # and what a question fetched during the write
                    answers.kept.clear()
            return response

        handlers[name] = grpc.unary_unary_rpc_method_handler(handle)
    return handlers


def serve(upstream_target: str, host: str, port: int) -> tuple[grpc.Server, grpc.Channel, int]:
    """Starts the floor server in front of ``upstream_target``; returns it, its
    upstream channel and its port."""
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    upstream = grpc.insecure_channel(upstream_target, options=options)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=options)
    answers = Answers()
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                service, method_handlers(upstream, service, answers)
            )
            for service in (MLMD_SERVICE, MDSTORE_SERVICE)
        ]
    )
    bound = server.add_insecure_port(f"{host}:{port}")
    server.start()
    return server, upstream, bound


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="host:port of mdstore serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    server, upstream, port = serve(args.upstream, args.host, args.port)
    print(f"trace floor server on {args.host}:{port}", file=sys.stderr, flush=True)
    run_until_signalled(server)
    upstream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
