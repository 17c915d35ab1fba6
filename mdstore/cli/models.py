"""``mdstore models ...``: registered models, versions computed from lineage, aliases,
model URIs, deployments and notes.

Like the lineage commands, each reaches a running ``mdstore serve`` (``--server``)
or opens the database itself (``--db``) through ``mdstore_client``; ``--format
json`` prints one JSON object, the text format is for people.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any

from mdstore.cli.lineage import connect, parse_time, store_options
from mdstore.errors import InvalidArgumentError

BUMPS = ("major", "minor", "pipeline")
PATTERNS = ("shadow", "canary", "blue-green")


def _emit(args: argparse.Namespace, document: dict[str, Any], text: Callable[[], str]) -> int:
    print(json.dumps(document, indent=2) if args.format == "json" else text())
    return 0


def _listing(args: argparse.Namespace, key: str, items: Sequence[Any], empty: str) -> int:
    return _emit(
        args,
        {key: [item.to_json() for item in items]},
        lambda: "\n".join(item.render() for item in items) or empty,
    )


def _policy_of(args: argparse.Namespace) -> dict[str, Any]:
    """The policy flags as the client's keyword arguments."""
    return {
        "metric": args.metric,
        "lower_is_better": args.lower_is_better,
        "min_improvement": args.min_improvement,
        "schema_properties": args.schema_property,
        "target_properties": args.target_property,
    }


def _create(args: argparse.Namespace) -> int:
    with connect(args) as client:
        model = client.create_model(args.name, **_policy_of(args), description=args.description)
    return _emit(args, model.to_json(), model.render)


def _policy(args: argparse.Namespace) -> int:
    with connect(args) as client:
        model = client.set_model_policy(args.name, **_policy_of(args), reason=args.reason)
    return _emit(args, model.to_json(), lambda: _model_text(model))


def _model_text(model: Any) -> str:
    """The model's line, then its policies, oldest first."""
    lines = [model.render(), "policies:"]
    for policy in model.policy_history:
        direction = "lower" if policy.lower_is_better else "higher"
        when = f"{policy.changed_at:%Y-%m-%d %H:%M:%S}Z" if policy.changed_at else ""
        lines.append(
            f"  {when}  {policy.metric} ({direction} is better, min {policy.min_improvement:g})"
            f"  {policy.reason}".rstrip()
        )
    return "\n".join(lines)


def _register(args: argparse.Namespace) -> int:
    if args.bump and not args.reason:
        raise InvalidArgumentError("--bump needs --reason: say why the rules are overridden")
    with connect(args) as client:
        version = client.register_model(
            args.name, args.artifact, bump=args.bump, reason=args.reason, force=args.force
        )
    return _emit(args, version.to_json(), version.render)


def _versions(args: argparse.Namespace) -> int:
    with connect(args) as client:
        found = client.model_versions(args.name)
    return _emit(
        args,
        {"name": args.name, "versions": [v.to_json() for v in found]},
        lambda: "\n".join(_version_line(v) for v in found) or f"{args.name}: no versions yet",
    )


def _version_line(version: Any) -> str:
    deciding = version.reasons[0].text if version.reasons else ""
    return f"{version.version:<8} {version.bump:<9} artifact {version.artifact_id:<6} {deciding}"


def _alias(args: argparse.Namespace) -> int:
    if bool(args.version) == args.remove:
        raise InvalidArgumentError("give a VERSION to point the alias at, or --remove")
    with connect(args) as client:
        change = client.set_alias(args.name, args.alias, args.version or "", args.reason)
    return _emit(args, change.to_json(), change.render)


def _resolve(args: argparse.Namespace) -> int:
    with connect(args) as client:
        found = client.resolve_model(args.uri, as_of=args.as_of)
    return _emit(args, found.to_json(), found.render)


def _history(args: argparse.Namespace) -> int:
    with connect(args) as client:
        changes = client.alias_history(args.name, args.alias or "")
    return _listing(args, "changes", changes, f"{args.name}: no alias changes")


def _deploy(args: argparse.Namespace) -> int:
    with connect(args) as client:
        made = client.deploy(
            args.name, args.version, args.env, args.pattern, args.traffic, args.reason
        )
    return _emit(args, made.to_json(), made.render)


def _undeploy(args: argparse.Namespace) -> int:
    with connect(args) as client:
        stopped = client.stop_deployment(args.id, args.reason)
    return _emit(args, stopped.to_json(), stopped.render)


def _deployments(args: argparse.Namespace) -> int:
    with connect(args) as client:
        found = client.deployments(args.name or "", args.env or "", args.at)
    return _listing(args, "deployments", found, "no deployments")


def _list(args: argparse.Namespace) -> int:
    with connect(args) as client:
        models = client.list_models()
    return _listing(args, "models", models, "no registered models")


def _show(args: argparse.Namespace) -> int:
    with connect(args) as client:
        model = client.get_model(args.name)
    return _emit(args, model.to_json(), lambda: _model_text(model))


def _annotate(args: argparse.Namespace) -> int:
    with connect(args) as client:
        note = client.annotate(args.name, args.version, args.text, args.url)
    return _emit(args, note.to_json(), note.render)


def _notes(args: argparse.Namespace) -> int:
    with connect(args) as client:
        found = client.annotations(args.name, args.version or "")
    return _listing(args, "annotations", found, "no annotations")


# ---------------------------------------------------------------- the parser


def _command(
    commands: Any, name: str, help_text: str, func: Callable[[argparse.Namespace], int], db: str
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    store_options(parser, db)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=func)
    return parser


def _policy_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--metric", required=True, metavar="M", help="the primary metric")
    parser.add_argument("--lower-is-better", action="store_true", help="the metric is a loss")
    parser.add_argument(
        "--min-improvement", type=float, default=0.0, metavar="X",
        help="the least gain that counts as better (default 0: strictly better)",
    )  # fmt: skip
    parser.add_argument(
        "--schema-property", action="append", default=[], metavar="P",
        help="property holding a dataset's schema (repeatable; default schema_fingerprint, schema)",
    )  # fmt: skip
    parser.add_argument(
        "--target-property", action="append", default=[], metavar="P",
        help="property holding a dataset's target (repeatable; default target, label)",
    )  # fmt: skip


def add_commands(commands: Any, default_db: str) -> None:
    """Adds ``models`` and its commands to the ``mdstore`` parser."""
    models = commands.add_parser("models", help="model versions, aliases, deployments")
    verbs = models.add_subparsers(dest="models_command", required=True, metavar="COMMAND")
    db = default_db

    create = _command(verbs, "create", "register a model with its versioning policy", _create, db)
    create.add_argument("name", metavar="NAME")
    _policy_flags(create)
    create.add_argument("--description", default="", metavar="TEXT")

    policy = _command(verbs, "policy", "change a model's policy (earlier ones kept)", _policy, db)
    policy.add_argument("name", metavar="NAME")
    _policy_flags(policy)
    policy.add_argument("--reason", default="", metavar="TEXT", help="why (recorded)")

    register = _command(
        verbs, "register", "register an artifact as the next version", _register, db
    )
    register.add_argument("name", metavar="NAME")
    register.add_argument("--artifact", type=int, required=True, metavar="ID")
    register.add_argument("--bump", choices=BUMPS, help="override the computed bump")
    register.add_argument("--reason", default="", metavar="TEXT", help="why (with --bump)")
    register.add_argument("--force", action="store_true", help="register even if nothing differs")

    versions = _command(verbs, "versions", "a model's versions, oldest first", _versions, db)
    versions.add_argument("name", metavar="NAME")

    alias = _command(verbs, "alias", "set, move or remove an alias (kept forever)", _alias, db)
    alias.add_argument("name", metavar="NAME")
    alias.add_argument("alias", metavar="ALIAS")
    alias.add_argument("version", nargs="?", metavar="VERSION")
    alias.add_argument("--remove", action="store_true", help="remove the alias")
    alias.add_argument("--reason", default="", metavar="TEXT")

    resolve = _command(verbs, "resolve", "a model URI to its version and artifact", _resolve, db)
    resolve.add_argument("uri", metavar="MODEL_URI", help="models:/NAME/1.2.0, @ALIAS or /latest")
    resolve.add_argument("--as-of", type=parse_time, metavar="TIME")

    history = _command(verbs, "history", "every alias change, oldest first", _history, db)
    history.add_argument("name", metavar="NAME")
    history.add_argument("--alias", metavar="ALIAS")

    deploy = _command(verbs, "deploy", "record that a version serves an environment", _deploy, db)
    deploy.add_argument("name", metavar="NAME")
    deploy.add_argument("version", metavar="VERSION")
    deploy.add_argument("--env", required=True, metavar="ENV")
    deploy.add_argument("--pattern", required=True, choices=PATTERNS)
    deploy.add_argument("--traffic", type=float, metavar="PCT", help="a canary's traffic share")
    deploy.add_argument("--reason", default="", metavar="TEXT")

    undeploy = _command(verbs, "undeploy", "record that a deployment stopped", _undeploy, db)
    undeploy.add_argument("id", type=int, metavar="DEPLOYMENT_ID")
    undeploy.add_argument("--reason", default="", metavar="TEXT")

    deployments = _command(
        verbs, "deployments", "deployments, or what served at a time", _deployments, db
    )
    deployments.add_argument("name", nargs="?", metavar="NAME")
    deployments.add_argument("--env", metavar="ENV")
    deployments.add_argument("--at", type=parse_time, metavar="TIME", help="serving at TIME")

    _command(verbs, "list", "every registered model", _list, db)
    show = _command(verbs, "show", "a model, its policy and its policy history", _show, db)
    show.add_argument("name", metavar="NAME")

    annotate = _command(verbs, "annotate", "append a note to a version", _annotate, db)
    annotate.add_argument("name", metavar="NAME")
    annotate.add_argument("version", metavar="VERSION")
    annotate.add_argument("--text", default="", metavar="TEXT")
    annotate.add_argument("--url", default="", metavar="URL")

    notes = _command(verbs, "notes", "a model's notes, oldest first", _notes, db)
    notes.add_argument("name", metavar="NAME")
    notes.add_argument("version", nargs="?", metavar="VERSION")
