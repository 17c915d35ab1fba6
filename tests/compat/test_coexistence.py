"""mdstore's wire messages and ml-metadata share one interpreter, in either import order.

Both define `ml_metadata.*` message names; protobuf refuses a second registration of
a name in its default pool, so the order of imports is what would break first. Each
check runs in a fresh subprocess: an import already done by pytest would hide it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.compat import mlmd_venv

pytestmark = [pytest.mark.compat, pytest.mark.xdist_group("compat")]

IMPORT_ORDERS = {
    "ml_metadata_first": (
        "import ml_metadata\n"
        "from ml_metadata.proto import metadata_store_pb2\n"
        "import mdstore.wire\n"
    ),
    "mdstore_first": (
        "import mdstore.wire\n"
        "import ml_metadata\n"
        "from ml_metadata.proto import metadata_store_pb2\n"
    ),
}

# Fills an Artifact through the field API both classes share, touching every kind of
# field: scalars, an enum, maps of Value (int, double, string, bool, struct, Any).
FILL_ARTIFACT = r"""
def fill(artifact):
    artifact.id = 7
    artifact.type_id = 3
    artifact.type = "Model"
    artifact.name = "model-7"
    artifact.uri = "s3://bucket/model-7"
    artifact.external_id = "ext-7"
    artifact.state = 2  # LIVE
    artifact.create_time_since_epoch = 1_700_000_000_000
    artifact.last_update_time_since_epoch = 1_700_000_000_001
    artifact.properties["epochs"].int_value = 5
    artifact.properties["loss"].double_value = 0.25
    artifact.properties["framework"].string_value = "sklearn"
    artifact.custom_properties["blessed"].bool_value = True
    artifact.custom_properties["config"].struct_value.update({"lr": 0.1, "layers": [1, 2]})
    # Set by hand: Any.Pack would need one class shared by both descriptor pools.
    artifact.custom_properties["blob"].proto_value.type_url = "type.googleapis.com/x.Y"
    artifact.custom_properties["blob"].proto_value.value = b"\x08\x01"
    artifact.system_metadata.type_url = "type.googleapis.com/x.Z"
    return artifact
"""

# Bytes must parse on the other side into an equal message; text format leaves out
# unknown fields, so comparing it also catches a field one side lacks.
ROUND_TRIP = r"""
from google.protobuf import text_format
from mdstore.wire import mlmd

ours, theirs = fill(mlmd.Artifact()), fill(metadata_store_pb2.Artifact())
from_ours = metadata_store_pb2.Artifact.FromString(ours.SerializeToString())
from_theirs = mlmd.Artifact.FromString(theirs.SerializeToString())
assert from_ours == theirs, f"mdstore -> ml_metadata:\n{from_ours}\n!=\n{theirs}"
assert from_theirs == ours, f"ml_metadata -> mdstore:\n{from_theirs}\n!=\n{ours}"
assert text_format.MessageToString(from_theirs) == text_format.MessageToString(theirs)
assert text_format.MessageToString(from_ours) == text_format.MessageToString(ours)
print("round trip ok")
"""

# The main .venv has no ml_metadata: mdstore alone on the newest protobuf, and it
# must leave the default pool free for ml_metadata.
ALONE = r"""
from google.protobuf import descriptor_pool
from mdstore.wire import mlmd

artifact = fill(mlmd.Artifact())
assert mlmd.Artifact.FromString(artifact.SerializeToString()) == artifact
try:
    descriptor_pool.Default().FindMessageTypeByName("ml_metadata.Artifact")
except KeyError:
    print("round trip ok; default pool untouched")
else:
    raise AssertionError("mdstore.wire registered ml_metadata.Artifact in the default pool")
"""


@pytest.mark.parametrize("order", sorted(IMPORT_ORDERS))
def test_mdstore_wire_beside_ml_metadata(mlmd_python: Path, order: str) -> None:
    result = mlmd_venv.run_python(IMPORT_ORDERS[order] + FILL_ARTIFACT + ROUND_TRIP)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "round trip ok" in result.stdout


def test_mdstore_wire_on_newest_protobuf() -> None:
    result = mlmd_venv.run_python(FILL_ARTIFACT + ALONE, python=sys.executable)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "default pool untouched" in result.stdout
