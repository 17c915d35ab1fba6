"""Authentication and roles over gRPC: a table of role x method outcomes, the
principal recorded on writes and audit entries, refused calls leaving no trace,
TLS, and tokens never written to the log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import mdstore_client
from mdstore.cli import main
from mdstore.server.app import TlsFiles, create_server
from mdstore.server.auth import Credentials, token_hash
from mdstore.service.dispatch import Service
from mdstore.service.registry import HANDLERS
from mdstore.service.roles import required_role
from mdstore.wire import mlmd, v1
from tests.helpers.databases import table_counts
from tests.helpers.processes import start_serve

TOKENS = {"reader": "r-token-1f3a", "writer": "w-token-9c2d", "admin": "a-token-77be"}
NAMES = {"reader": "rita", "writer": "walt", "admin": "ada"}


def _credentials() -> Credentials:
    lines = [f"{NAMES[role]} {role} {token_hash(token)}" for role, token in TOKENS.items()]
    return Credentials("\n".join([*lines, "ml-client writer cert:CN=mlmd-pipeline"]), "test")


@pytest.fixture
def secured(service: Service) -> Iterator[str]:
    server, port = create_server(service, "127.0.0.1:0", 4, credentials=_credentials())
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None)


def _client(target: str, role: str | None, token: str | None = None) -> Any:
    chosen = token if token is not None else TOKENS.get(role or "")
    retry = mdstore_client.RetryPolicy(max_attempts=1)
    return mdstore_client.connect(target, token=chosen, retry=retry)


# One request per kind of method: what each role may do.
def _requests(artifact_type: int) -> dict[str, Any]:
    return {
        "GetArtifacts": mlmd.GetArtifactsRequest(),
        "GetLineageSubgraph": mlmd.GetLineageSubgraphRequest(),
        "Trace": v1.TraceRequest(node=v1.NodeRef(kind=1, id=10**9)),
        "VerifyAuditLog": v1.VerifyAuditLogRequest(),
        "PutArtifacts": mlmd.PutArtifactsRequest(
            artifacts=[mlmd.Artifact(type_id=artifact_type, uri="s3://x")]
        ),
        "PutArtifactType": mlmd.PutArtifactTypeRequest(
            artifact_type=mlmd.ArtifactType(name="Other")
        ),
        "RegisterModelVersion": v1.RegisterModelVersionRequest(name="none", artifact_id=1),
        "Delete": v1.DeleteRequest(kind=1, ids=[10**9], reason="test"),
        "SetAlias": v1.SetAliasRequest(name="none", alias="prod", version="1.0.0"),
        "GarbageCollect": v1.GarbageCollectRequest(deleted_before_millis=1),
    }


# What each call gives, by role: OK, or the status of a domain error past the
# role check (NOT_FOUND, INVALID_ARGUMENT...), or the auth refusal.
EXPECTED = {
    "GetArtifacts": ("OK", "OK", "OK"),
    "GetLineageSubgraph": ("INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT"),
    "Trace": ("NOT_FOUND", "NOT_FOUND", "NOT_FOUND"),
    "VerifyAuditLog": ("OK", "OK", "OK"),
    "PutArtifacts": ("PERMISSION_DENIED", "OK", "OK"),
    "PutArtifactType": ("PERMISSION_DENIED", "OK", "OK"),
    "RegisterModelVersion": ("PERMISSION_DENIED", "NOT_FOUND", "NOT_FOUND"),
    "Delete": ("PERMISSION_DENIED", "PERMISSION_DENIED", "NOT_FOUND"),
    "SetAlias": ("PERMISSION_DENIED", "PERMISSION_DENIED", "NOT_FOUND"),
    "GarbageCollect": ("PERMISSION_DENIED", "PERMISSION_DENIED", "OK"),
}


def _outcome(client: Any, method: str, request: Any) -> str:
    try:
        client.call(method, request)
    except mdstore_client.MdstoreError as e:
        return str(e.code)
    return "OK"


def test_every_method_needs_a_role() -> None:
    roles = {name.rsplit("/", 1)[1]: required_role(name) for name in HANDLERS}
    assert set(roles.values()) == {"reader", "writer", "admin"}
    assert {m for m, r in roles.items() if r == "admin"} == {
        "Delete", "GarbageCollect", "SetAlias", "Deploy", "StopDeployment", "SetModelPolicy",
        "AdoptUnrecordedRows",
    }  # fmt: skip
    assert all(r == "reader" for m, r in roles.items() if m.startswith("Get"))


def test_role_by_method_outcomes(service: Service, secured: str) -> None:
    artifact_type = service.call(
        "PutArtifactType", mlmd.PutArtifactTypeRequest(artifact_type=mlmd.ArtifactType(name="D"))
    ).type_id
    requests = _requests(artifact_type)
    table = {}
    for method, request in requests.items():
        row = []
        for role in ("reader", "writer", "admin"):
            with _client(secured, role) as client:
                row.append(_outcome(client, method, request))
        table[method] = tuple(row)
    assert table == EXPECTED
    for token in (None, "", "not-a-token"):
        with _client(secured, None, token or "") as client:
            assert {_outcome(client, m, r) for m, r in requests.items()} == {"UNAUTHENTICATED"}


def test_refused_calls_leave_no_trace(service: Service, secured: str) -> None:
    before = table_counts(service.database.engine)
    requests = _requests(1)
    with _client(secured, None, "forged") as nobody, _client(secured, "reader") as reader:
        for method in ("PutArtifacts", "PutArtifactType", "Delete", "GarbageCollect"):
            assert _outcome(nobody, method, requests[method]) == "UNAUTHENTICATED"
            assert _outcome(reader, method, requests[method]) == "PERMISSION_DENIED"
    assert table_counts(service.database.engine) == before


def test_the_principal_is_recorded_on_writes(service: Service, secured: str) -> None:
    with _client(secured, "writer") as walt:
        walt.artifact_type("Data")
        data = walt.put_artifact("Data", uri="s3://data")
    with _client(secured, "admin") as ada:
        ada.delete("artifact", [data.id], reason="test")
        entries = ada.audit_log(data)
        assert ada.verify_audit_log().ok
    assert [(e.method.rsplit("/", 1)[1], e.principal) for e in entries] == [
        ("PutArtifacts", "walt"),
        ("Delete", "ada"),
    ]
    [stone] = service.call(
        "Trace", v1.TraceRequest(node=v1.NodeRef(kind=1, id=data.id))
    ).nodes.tombstones
    assert stone.principal == "ada"


def _generate_tls(tmp_path: Path) -> Path:
    out = tmp_path / "tls"
    assert main(["tls", "generate", "--out", str(out), "--client", "mlmd-pipeline"]) == 0
    return out


def test_tls_and_mutual_tls_with_the_client(service: Service, tmp_path: Path) -> None:
    tls_dir = _generate_tls(tmp_path)
    files = TlsFiles(tls_dir / "server.pem", tls_dir / "server.key", tls_dir / "ca.pem")
    server, port = create_server(service, "127.0.0.1:0", 4, tls=files, credentials=_credentials())
    server.start()
    try:
        target = f"localhost:{port}"
        retry = mdstore_client.RetryPolicy(max_attempts=1)
        mutual = mdstore_client.TlsOptions.from_files(
            tls_dir / "ca.pem", tls_dir / "client.pem", tls_dir / "client.key"
        )
        # The client certificate alone authenticates (CN=mlmd-pipeline is a writer).
        with mdstore_client.connect(target, tls=mutual, retry=retry) as client:
            client.artifact_type("Data")
            assert client.audit_log()[-1].principal == "ml-client"
        # A bearer token outranks the certificate's principal.
        with (
            mdstore_client.connect(
                target, tls=mutual, retry=retry, token=TOKENS["reader"]
            ) as client,
            pytest.raises(mdstore_client.MdstoreError, match="rita is a reader"),
        ):
            client.artifact_type("Other")
        # Without a client certificate, or without TLS, no connection is made.
        plain_tls = mdstore_client.TlsOptions.from_files(tls_dir / "ca.pem")
        for options in (plain_tls, None):
            client = mdstore_client.connect(target, tls=options, retry=retry, timeout=5)
            with client, pytest.raises(mdstore_client.MdstoreError, match="unavailable"):
                client.call("GetArtifacts", mlmd.GetArtifactsRequest())
    finally:
        server.stop(None)


def test_no_credential_reaches_the_log(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"walt writer {token_hash(TOKENS['writer'])}\n")
    log = tmp_path / "serve.log"
    server = start_serve(f"sqlite:///{tmp_path}/s.db", log, "--tokens-file", str(tokens))
    try:
        retry = mdstore_client.RetryPolicy(max_attempts=1)
        with mdstore_client.connect(server.target, token=TOKENS["writer"], retry=retry) as good:
            good.artifact_type("Data")
        bad = mdstore_client.connect(server.target, token="leaked-guess-123", retry=retry)
        with bad, pytest.raises(mdstore_client.MdstoreError):
            bad.artifact_type("Data")
    finally:
        assert server.stop() == 0
    text = log.read_text()
    assert "authentication on" in text
    assert TOKENS["writer"] not in text
    assert "leaked-guess-123" not in text
    assert token_hash(TOKENS["writer"]) not in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("alice root sha256:" + "0" * 64, "expected NAME ROLE CREDENTIAL"),
        ("alice admin secret", "the credential must be"),
        ("# nothing", "names no principal"),
    ],
)
def test_bad_tokens_files_are_refused(content: str, message: str) -> None:
    with pytest.raises(mdstore_client.InvalidArgumentError, match=message):
        Credentials(content, "tokens")


def test_cli_tokens_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "tokens"
    assert main(["tokens", "add", "walt", "--role", "writer", "--file", str(file)]) == 0
    token = capsys.readouterr().out.splitlines()[1]
    assert file.read_text() == f"walt writer {token_hash(token)}\n"
    assert oct(file.stat().st_mode)[-3:] == "600"
    assert Credentials.load(file) is not None
    assert main(["tokens", "add", "walt", "--role", "admin", "--file", str(file)]) == 1
    assert "already names walt" in capsys.readouterr().err
