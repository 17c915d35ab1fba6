"""The message classes: ``ml_metadata.*`` and ``mdstore.v1.*``, in a private pool.

They are built at import time from ``mdstore/proto/descriptor_set.binpb`` (made by
``make proto``) inside a *private* descriptor pool. Two reasons:

* ``ml_metadata`` registers the same message names in protobuf's default pool; a
  second registration there fails, so ``import ml_metadata`` and mdstore could not
  share one interpreter.
* Runtime-built classes work on every protobuf runtime from 4.25 (what
  ml-metadata pins) to the newest, whereas protoc-generated modules are tied to
  the runtime version that generated them.

Usage::

    from mdstore.wire import mlmd
    artifact = mlmd.Artifact(type_id=1, uri="s3://bucket/x")
    request = mlmd.PutArtifactsRequest(artifacts=[artifact])
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

MLMD_SERVICE = "ml_metadata.MetadataStoreService"
MDSTORE_SERVICE = "mdstore.v1.MdstoreService"

_MLMD_FILES = (
    "ml_metadata/proto/metadata_store.proto",
    "ml_metadata/proto/metadata_store_service.proto",
)
_MDSTORE_FILES = (
    "mdstore/v1/audit.proto",
    "mdstore/v1/lineage.proto",
    "mdstore/v1/models.proto",
    "mdstore/v1/mdstore.proto",
)


def _load_pool() -> descriptor_pool.DescriptorPool:
    data = resources.files("mdstore.proto").joinpath("descriptor_set.binpb").read_bytes()
    file_set = descriptor_pb2.FileDescriptorSet.FromString(data)
    pool = descriptor_pool.DescriptorPool()
    for file_proto in file_set.file:  # protoc writes dependencies first
        pool.Add(file_proto)
    return pool


def copy_pool(
    files: Iterable[Any], change: Callable[[Any], None] | None = None
) -> descriptor_pool.DescriptorPool:
    """A new pool holding ``files`` (FileDescriptors) and their dependencies.

    Args:
        files: the files to copy, from any pool.
        change: called on each ``FileDescriptorProto`` before it is added.
    """
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(file: Any) -> None:
        if file.name in added:
            return
        for dependency in file.dependencies:
            add(dependency)
        proto = descriptor_pb2.FileDescriptorProto()
        file.CopyToProto(proto)
        if change is not None:
            change(proto)
        pool.Add(proto)
        added.add(file.name)

    for file in files:
        add(file)
    return pool


POOL = _load_pool()


def _namespace(file_names: tuple[str, ...]) -> types.SimpleNamespace:
    """Collects the top-level messages and enums of some files as attributes."""
    ns = types.SimpleNamespace()
    for name in file_names:
        file_desc = POOL.FindFileByName(name)
        for msg_name, msg_desc in file_desc.message_types_by_name.items():
            setattr(ns, msg_name, message_factory.GetMessageClass(msg_desc))
        for enum_name, enum_desc in file_desc.enum_types_by_name.items():
            setattr(ns, enum_name, enum_desc)
    return ns


mlmd: Any = _namespace(_MLMD_FILES)
"""The ``ml_metadata`` package's messages, e.g. ``mlmd.Artifact``."""

v1: Any = _namespace(_MDSTORE_FILES)
"""mdstore's own ``mdstore.v1`` messages."""


def service_methods(service_name: str) -> list[tuple[str, Any, Any]]:
    """Returns ``(method name, request class, response class)`` for a service."""
    service = POOL.FindServiceByName(service_name)
    return [
        (
            method.name,
            message_factory.GetMessageClass(method.input_type),
            message_factory.GetMessageClass(method.output_type),
        )
        for method in service.methods
    ]
