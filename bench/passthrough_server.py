"""ml-metadata's own store behind a gRPC server: configuration (b) of the benchmark.

ml-metadata's pip wheel ships the C++ store (through pybind11) but not its gRPC
server binary. This script stands in for that server: a generic gRPC handler for
``ml_metadata.MetadataStoreService`` whose every method hands the request bytes
straight to the wheel's C++ entry point for the method (the function
``ml_metadata.MetadataStore._pywrap_cc_call`` calls) and returns the response
bytes. No Python protobuf parsing happens on the way, so this is as close to
MLMD's C++ server as Python gets, and the stricter baseline for ``mdstore serve``.

With ``--cache-reads`` it is configuration (e), the transport floor: a read (a
``Get*`` method) whose request bytes it has answered before gets the same response
bytes back from a dict, and any other method empties the dict first, so answers
stay correct. The benchmark repeats each filter and lineage query after an untimed
first run, so on those rows (e) measures a server that does no work at all: the
client, gRPC and Python's server loop. (e)/(b) is then the most any Python gRPC
server could reach over (b) on that row with ml-metadata's client.

Runs in the ``.venv-mlmd`` interpreter::

    .venv-mlmd/bin/python bench/passthrough_server.py --db /tmp/x.sqlite --port 50051

Stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import sys
import threading
from concurrent import futures
from typing import Any

import grpc
from ml_metadata.metadata_store.pywrap.metadata_store_extension import (
    metadata_store as pywrap,
)
from ml_metadata.proto import metadata_store_pb2, metadata_store_service_pb2
from processes import run_until_signalled  # bench/ is sys.path[0]: run as a script

SERVICE = "ml_metadata.MetadataStoreService"
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_CODES = {code.value[0]: code for code in grpc.StatusCode}


def open_store(path: str) -> Any:
    """Opens (creating if needed) an MLMD SQLite store in the C++ library."""
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = (
        metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
    )
    migration = metadata_store_pb2.MigrationOptions()
    return pywrap.CreateMetadataStore(config.SerializeToString(), migration.SerializeToString())


def method_handlers(store: Any, cache_reads: bool = False) -> dict[str, grpc.RpcMethodHandler]:
    """One unary handler per method of ml_metadata's own service descriptor.

    ``cache_reads``: answer a repeated read from a dict of earlier answers (see the
    module docstring); writes empty it.
    """
    service = metadata_store_service_pb2.DESCRIPTOR.services_by_name["MetadataStoreService"]
    lock = threading.Lock()  # one in-process store, used as ml_metadata's client does
    answers: dict[tuple[str, bytes], bytes] = {}
    handlers = {}
    for method in service.methods:
        cc_method = getattr(pywrap, method.name, None)
        is_read = cache_reads and method.name.startswith("Get")

        def handle(
            request: bytes,
            context: grpc.ServicerContext,
            cc=cc_method,
            name=method.name,
            is_read=is_read,
        ):
            if cc is None:
                context.abort(grpc.StatusCode.UNIMPLEMENTED, f"{name} is not in the pywrap module")
            with lock:
                if is_read and (cached := answers.get((name, request))) is not None:
                    return cached
                if cache_reads and not is_read:
                    answers.clear()
                response, message, code = cc(store, request)
                if is_read and code == 0:
                    answers[(name, request)] = response
            if code != 0:
                context.abort(_CODES.get(code, grpc.StatusCode.UNKNOWN), message.decode("utf-8"))
            return response

        # Identity (de)serializers: bytes in, bytes out; the C++ side parses them.
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(handle)
    return handlers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ml-metadata behind a pass-through gRPC server")
    parser.add_argument("--db", required=True, help="SQLite file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument(
        "--cache-reads", action="store_true", help="answer repeated reads from memory: config (e)"
    )
    args = parser.parse_args(argv)

    store = open_store(args.db)
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers), options=options)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, method_handlers(store, args.cache_reads)),)
    )
    port = server.add_insecure_port(f"{args.host}:{args.port}")
    server.start()
    print(f"passthrough MLMD server on {args.host}:{port}", file=sys.stderr, flush=True)
    run_until_signalled(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
