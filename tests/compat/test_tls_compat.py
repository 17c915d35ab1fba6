"""The unchanged ml-metadata 1.17.1 client over mutual TLS (its ``ssl_config``),
authenticated by its client certificate: it writes and reads; without a
certificate the server refuses it; its writes are recorded under the principal
the certificate names."""

from __future__ import annotations

from pathlib import Path

import pytest

import mdstore_client
from mdstore.cli import main
from tests.compat import mlmd_venv
from tests.helpers.processes import start_serve

pytestmark = [pytest.mark.compat, pytest.mark.xdist_group("compat")]

CLIENT = r"""
import sys
from pathlib import Path
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as pb
port, tls, with_cert = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "yes"
ssl = pb.MetadataStoreClientConfig.SSLConfig(custom_ca=(tls / "ca.pem").read_text())
if with_cert:
    ssl.client_key = (tls / "client.key").read_text()
    ssl.server_cert = (tls / "client.pem").read_text()  # ml-metadata's name for the chain
config = pb.MetadataStoreClientConfig(host="localhost", port=port, ssl_config=ssl)
config.client_timeout_sec = 10
store = metadata_store.MetadataStore(config)
try:
    type_id = store.put_artifact_type(pb.ArtifactType(name="Examples"))
    [artifact_id] = store.put_artifacts([pb.Artifact(type_id=type_id, uri="gs://x")])
    [back] = store.get_artifacts_by_id([artifact_id])
    print("ok", back.uri)
except Exception as e:
    print("refused", type(e).__name__)
"""


def test_ml_metadata_client_over_mutual_tls(mlmd_python: Path, tmp_path: Path) -> None:
    tls = tmp_path / "tls"
    assert main(["tls", "generate", "--out", str(tls), "--client", "tfx-pipeline"]) == 0
    tokens = tmp_path / "tokens"
    tokens.write_text("tfx writer cert:CN=tfx-pipeline\n")
    server = start_serve(
        f"sqlite:///{tmp_path}/tls.db",
        tmp_path / "serve.log",
        *("--tls-cert", str(tls / "server.pem"), "--tls-key", str(tls / "server.key")),
        *("--tls-client-ca", str(tls / "ca.pem"), "--tokens-file", str(tokens)),
    )
    try:
        written = mlmd_venv.run_python(CLIENT, str(server.port), str(tls), "yes")
        assert written.stdout.split() == ["ok", "gs://x"], written.stdout + written.stderr
        refused = mlmd_venv.run_python(CLIENT, str(server.port), str(tls), "no")
        assert refused.stdout.split()[0] == "refused", refused.stdout + refused.stderr
        options = mdstore_client.TlsOptions.from_files(
            tls / "ca.pem", tls / "client.pem", tls / "client.key"
        )
        with mdstore_client.connect(f"localhost:{server.port}", tls=options) as client:
            principals = {(e.method.rsplit("/", 1)[1], e.principal) for e in client.audit_log()}
            assert client.verify_audit_log().ok
    finally:
        assert server.stop() == 0
    assert principals == {("PutArtifactType", "tfx"), ("PutArtifacts", "tfx")}
    assert "mutual TLS, authentication on" in server.log_text()
