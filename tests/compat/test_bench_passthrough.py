"""The benchmark's pass-through server, (b), and its cached-reads mode, (e).

(e) stands for "a server that does no work" in docs/benchmarks.md, so it must not
change answers: a repeated read is served without the C++ store, and a write
empties the cache so the next read sees it. Runs in `.venv-mlmd` (the server needs
ml-metadata's C++ extension), with the real ml-metadata client over real gRPC.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compat import mlmd_venv

pytestmark = [pytest.mark.compat, pytest.mark.xdist_group("compat")]

BENCH = mlmd_venv.REPO / "bench"

SCRIPT = r"""
import sys
from concurrent import futures

import grpc
sys.path.insert(0, sys.argv[1])
import passthrough_server as pt
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb

calls = {}
def counted(name):
    real = getattr(pt.pywrap, name)
    def call(store, request):
        calls[name] = calls.get(name, 0) + 1
        return real(store, request)
    return call
# method_handlers looks the C++ entry points up on pt.pywrap; count two of them.
pt.pywrap = type("Counted", (), {
    name: staticmethod(counted(name)) if name in ("GetArtifactsByID", "PutArtifacts")
    else staticmethod(getattr(pt.pywrap, name))
    for name in dir(pt.pywrap) if not name.startswith("_")
})

store_cc = pt.open_store(sys.argv[2])
server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
handlers = pt.method_handlers(store_cc, cache_reads=sys.argv[3] == "cache")
server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(pt.SERVICE, handlers),))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
client = metadata_store.MetadataStore(pb.MetadataStoreClientConfig(host="127.0.0.1", port=port))

type_id = client.put_artifact_type(pb.ArtifactType(name="Data"))
[aid] = client.put_artifacts([pb.Artifact(type_id=type_id, uri="s3://v1")])
first = client.get_artifacts_by_id([aid])[0].uri
second = client.get_artifacts_by_id([aid])[0].uri
reads_before_write = calls["GetArtifactsByID"]
client.put_artifacts([pb.Artifact(id=aid, type_id=type_id, uri="s3://v2")])
third = client.get_artifacts_by_id([aid])[0].uri
print(first, second, reads_before_write, third, calls["GetArtifactsByID"], calls["PutArtifacts"])
server.stop(None)
"""


# Reads that reached the C++ store: before the write, in all.
@pytest.mark.parametrize(("mode", "reads"), [("cache", (1, 2)), ("plain", (2, 3))])
def test_cached_reads_answer_as_the_store_does(
    mlmd_python: Path, tmp_path: Path, mode: str, reads: tuple[int, int]
) -> None:
    result = mlmd_venv.run_python(
        SCRIPT, str(BENCH), str(tmp_path / "mlmd.sqlite"), mode, python=mlmd_python
    )
    assert result.returncode == 0, result.stdout + result.stderr
    first, second, before_write, third, total, writes = result.stdout.split()
    assert (first, second, third) == ("s3://v1", "s3://v1", "s3://v2")
    # Cached: the repeated read never reached the C++ store, the read after the
    # write did. Plain (b): every read did. Writes always pass through.
    assert (int(before_write), int(total)) == reads
    assert writes == "2"
