"""Our .proto files describe exactly the messages and service ml-metadata 1.17.1 uses.

Wire compatibility rests on names and numbers, so the test compares whole
FileDescriptorProtos: our compiled descriptor set against the descriptors ml-metadata
registers at run time, read inside .venv-mlmd.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from tests.compat import mlmd_venv

pytestmark = [pytest.mark.compat, pytest.mark.xdist_group("compat")]

DESCRIPTOR_SET = mlmd_venv.REPO / "mdstore" / "proto" / "descriptor_set.binpb"
STORE_PROTO = "ml_metadata/proto/metadata_store.proto"

# Runs in .venv-mlmd: argv[1] is a descriptor set file. Prints a diff per differing
# file and exits 1 when any of ml-metadata's two files differs.
COMPARE_SCRIPT = r"""
import difflib
import sys

from google.protobuf import descriptor_pb2
from ml_metadata.proto import metadata_store_pb2, metadata_store_service_pb2


def normalized(file_proto):
    # protoc fills json_name and source_code_info; the runtime copy has neither, and
    # neither reaches the wire.
    file_proto.ClearField("source_code_info")
    for field in file_proto.extension:
        field.ClearField("json_name")
    for message in file_proto.message_type:
        clear_json_names(message)
    return file_proto


def clear_json_names(message):
    for field in [*message.field, *message.extension]:
        field.ClearField("json_name")
    for nested in message.nested_type:
        clear_json_names(nested)


with open(sys.argv[1], "rb") as handle:
    ours = {f.name: f for f in descriptor_pb2.FileDescriptorSet.FromString(handle.read()).file}
differing = 0
for module in (metadata_store_pb2, metadata_store_service_pb2):
    theirs = descriptor_pb2.FileDescriptorProto()
    module.DESCRIPTOR.CopyToProto(theirs)
    if theirs.name not in ours:
        print(f"MISSING {theirs.name}")
        differing += 1
        continue
    mine = str(normalized(ours[theirs.name])).splitlines()
    wanted = str(normalized(theirs)).splitlines()
    if mine != wanted:
        differing += 1
        print(f"DIFF {theirs.name} (ours vs ml-metadata):")
        print("\n".join(difflib.unified_diff(mine, wanted, "ours", "ml-metadata", lineterm="")))
    else:
        print(f"same {theirs.name}")
sys.exit(1 if differing else 0)
"""


def _compare(descriptor_set: Path) -> tuple[int, str]:
    result = mlmd_venv.run_python(COMPARE_SCRIPT, str(descriptor_set))
    return result.returncode, result.stdout + result.stderr


def test_descriptors_match_ml_metadata(mlmd_python: Path) -> None:
    code, output = _compare(DESCRIPTOR_SET)
    assert code == 0, output
    assert output.count("same ml_metadata/proto/") == 2, output


def test_comparison_catches_a_renumbered_field(mlmd_python: Path, tmp_path: Path) -> None:
    """Guards the comparison itself: one changed field number must be reported."""
    file_set = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes())
    store_file = next(f for f in file_set.file if f.name == STORE_PROTO)
    artifact = next(m for m in store_file.message_type if m.name == "Artifact")
    artifact.field[0].number += 100
    tampered = tmp_path / "tampered.binpb"
    tampered.write_bytes(file_set.SerializeToString())

    code, output = _compare(tampered)

    assert code == 1, output
    assert f"DIFF {STORE_PROTO}" in output
