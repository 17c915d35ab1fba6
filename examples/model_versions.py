"""The demo's model-registry part: the four runs become versions computed from their
lineage, `production` moves forward and is rolled back, and the history shows it all;
then what serves production is exported for an auditor (a picture, W3C PROV and a
CycloneDX ML-BOM); at the end, the final model's signed audit bundle is written and
verified offline, and the store's audit log is verified.

Called by demo.py with a connected ``mdstore_client.Client`` and the four runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import mdstore_client
from mdstore.export import bundle, bundle_check, signing
from mdstore.export.files import direction_for, fetch, fetch_history, write
from mdstore.wire import v1

MODEL = "breast-cancer"


def versions(
    client: mdstore_client.Client, runs: Sequence[Any], say: Callable[[str], None]
) -> None:
    """Registers each run's model, then moves, rolls back and resolves ``production``."""
    say(f"▸ Versions computed from lineage:   client.create_model({MODEL!r}, metric='accuracy')")
    say("  then client.register_model(name, model) after each run; the deciding reason first:")
    client.create_model(MODEL, "accuracy")
    registered = []
    for run in runs:
        version = client.register_model(MODEL, run.artifacts["model"])
        registered.append(version)
        say(f"  {version.version:<6} {version.bump:<9} {run.config.name}")
        for reason in version.reasons[:2]:
            say(f"           {reason.rule:<9} {reason.text}")
    say()
    first, _, better, newest = (v.version for v in registered)
    say("▸ Aliases keep every move:   client.set_alias(...), client.alias_history(...)")
    client.set_alias(MODEL, "production", first, reason="first release")
    client.set_alias(MODEL, "production", better, reason="accuracy up; passed review")
    client.set_alias(MODEL, "production", newest, reason="new feature worst_to_mean_area")
    client.set_alias(MODEL, "production", better, reason="rollback: 2.0.0 needs the new column")
    for change in client.alias_history(MODEL, "production"):
        moved = f"{change.from_ or '-'} -> {change.to or '-'}"
        say(f"  {change.time:%H:%M:%S}  production {moved:<16} {change.reason}")
    resolved = client.resolve_model(f"models:/{MODEL}@production")
    say(f"  models:/{MODEL}@production -> {resolved.version} (artifact #{resolved.artifact_id},"
        f" {resolved.uri.rsplit('/', 3)[-3]}/…)")  # fmt: skip
    client.deploy(MODEL, better, "production", "blue-green", reason="serve the alias")
    client.deploy(MODEL, newest, "production", "shadow", reason="compare on live traffic")
    serving = ", ".join(f"{d.version} ({d.pattern})" for d in client.deployments(MODEL))
    say(f"  deployed to production: {serving}")
    say(f"  (the CLI: mdstore models versions|alias|history|resolve|deploy {MODEL} ...)")
    say()


def export(client: mdstore_client.Client, workdir: Path, say: Callable[[str], None]) -> None:
    """Writes what served production as a picture and as W3C PROV, for an auditor."""
    resolved = client.resolve_model(f"models:/{MODEL}@production")
    say(f"▸ For the auditor: the lineage of models:/{MODEL}@production ({resolved.version})")
    for fmt, name in (
        ("svg", "production.svg"),
        ("prov-json", "production.prov.json"),
        ("cyclonedx", "production.cdx.json"),
    ):
        direction = direction_for(fmt, "upstream")
        lineage = fetch(client.call, resolved.artifact_id, direction, None)
        path = workdir / name
        path.write_bytes(write(lineage, fmt))
        say(f"  {fmt:<9} {path}")
    say(f"  (the CLI: mdstore export models:/{MODEL}@production --format svg|png|pdf|graphml|"
        "prov-json|prov-n|prov-xml|openlineage|cyclonedx -o FILE)")  # fmt: skip
    say()


def audit_bundle(client: mdstore_client.Client, workdir: Path, say: Callable[[str], None]) -> None:
    """Signs the final model's lineage into a bundle, verifies it offline, and verifies
    the audit log every write of the demo appended to."""
    uri = f"models:/{MODEL}/latest"
    resolved = client.resolve_model(uri)
    say(f"▸ A signed audit bundle of the final model, {uri} ({resolved.version})")
    private, public = signing.generate_keys(workdir / "keys")
    say(f"  keys: {private.name} (Ed25519, private) and {public.name}   (mdstore keys generate)")
    subject = bundle.Subject(resolved.artifact_id, "upstream", uri, resolved.name)
    lineage = fetch(client.call, resolved.artifact_id, "upstream", None)
    fetch_history(client.call, lineage, resolved.name)
    parts = bundle.fetch_parts(client.call, lineage, subject)
    data = bundle.render(lineage, subject, parts, signing.load_private_key(private))
    path = workdir / "final-model.bundle.zip"
    path.write_bytes(data)
    picture = workdir / "final-model.svg"
    picture.write_bytes(write(lineage, "svg"))
    say(f"  {path.name}: PROV-JSON, OpenLineage, the picture, {len(lineage.artifacts)} artifacts'"
        f" and {len(lineage.executions)} executions' stored messages, the version and alias"
        f" history, {len(parts.audit_entries)} audit entries up to head #{parts.head[0]},"
        " all signed as an in-toto Statement")  # fmt: skip
    problems = bundle_check.check(path.read_bytes(), signing.load_public_key(public))
    verdict = "verifies" if not problems else "FAILS: " + "; ".join(problems)
    say(f"  verified offline with only the public key: {verdict}   (mdstore verify-bundle)")
    audit = client.call("VerifyAuditLog", v1.VerifyAuditLogRequest())
    verdict = "verifies" if audit.ok else "FAILS: " + audit.problems[0].message
    say(f"  the audit log: {audit.entries} entries, one per write, {audit.rows} rows checked"
        f" against them: {verdict}   (mdstore audit verify)")  # fmt: skip
    say(f"  the final model's lineage, drawn: {picture}")
    say()
