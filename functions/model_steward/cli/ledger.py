"""`steward ledger export`: the whole ledger as one plain JSON document.

    steward ledger export [--model NAME] [--out FILE] [--stack NAME | --table NAME] [--region REGION]

The document (``format`` 1) groups the ledger's items by model, each in its own list:

- ``models.<name>.watch``: what the watch function last saw of the model (and its promotion claim);
- ``models.<name>.versions``: one object per version, newest first, its ``decision`` (every rule
  result, both metric sets, the policy fingerprint) as an object;
- ``models.<name>.alerts``: every alert, its delivery state and the ``alert`` as sent;
- ``models.<name>.diagnostics``: every diagnostics file linked to the model;
- ``system_alerts`` and ``unlinked_diagnostics``: what belongs to no model.

Values are plain JSON (no DynamoDB type descriptors; no JSON inside strings); times are ISO 8601
UTC strings, as stored. ``--out`` writes the document to a file and says where; otherwise it goes
to standard output. Exit codes: 0; 2 no deployment named; 3 AWS error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model_steward.cli import summary
from model_steward.cli.common import add_stack_arguments, resolve_target, to_json
from model_steward.errors import InvalidInputError
from model_steward.models.ledger import (
    ALERT_SK_PREFIX,
    DIAGNOSTICS_SK_PREFIX,
    MODEL_PK_PREFIX,
    VERSION_SK_PREFIX,
    WATCH_PK,
)

EXPORT_FORMAT = 1
_KINDS = (
    (VERSION_SK_PREFIX, "versions"),
    (ALERT_SK_PREFIX, "alerts"),
    (DIAGNOSTICS_SK_PREFIX, "diagnostics"),
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("ledger", help=summary("ledger"))
    commands = parser.add_subparsers(dest="ledger_command", metavar="SUBCOMMAND", required=True)
    export = commands.add_parser("export", help="every ledger item as one plain JSON document")
    export.add_argument("--model", metavar="NAME", help="only this model")
    export.add_argument("--out", metavar="FILE", type=Path, help="write to this file (default: stdout)")
    add_stack_arguments(export)
    export.set_defaults(handler=run_export)


def _unpacked(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item without its keys, each ``*_json`` string as the object it holds (``decision``,
    ``payload`` -> ``alert``)."""
    values: dict[str, Any] = {}
    for key, value in item.items():
        if key in ("pk", "sk"):
            continue
        if key.endswith("_json") and isinstance(value, str):
            name = "alert" if key == "payload_json" else key.removesuffix("_json")
            try:
                values[name] = json.loads(value)
            except ValueError:  # not JSON after all: keep it as it is
                values[key] = value
        else:
            values[key] = value
    return values


def _model_entry(document: dict[str, Any], name: str) -> dict[str, Any]:
    models: dict[str, dict[str, Any]] = document["models"]
    return models.setdefault(name, {"watch": None, "versions": [], "alerts": [], "diagnostics": []})


def build(
    items: Iterable[Mapping[str, Any]], *, table: str, now: datetime, model: str | None = None
) -> dict[str, Any]:
    """The export document from the table's items (pure)."""
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "table": table,
        "exported_at": now.astimezone(UTC).isoformat(),
        "models": {},
        "system_alerts": [],
        "unlinked_diagnostics": [],
        "other_items": [],
    }
    for item in items:
        pk, sk = str(item.get("pk", "")), str(item.get("sk", ""))
        owner = (
            sk.removeprefix(MODEL_PK_PREFIX) if pk == WATCH_PK and sk.startswith(MODEL_PK_PREFIX) else None
        )
        if owner is None and pk.startswith(MODEL_PK_PREFIX):
            owner = pk.removeprefix(MODEL_PK_PREFIX)
        if model is not None and owner != model:
            continue
        values = _unpacked(item)
        if pk == WATCH_PK and owner is not None:
            _model_entry(document, owner)["watch"] = values
        elif owner is not None and (kind := next((k for p, k in _KINDS if sk.startswith(p)), None)):
            _model_entry(document, owner)[kind].append(values)
        elif sk.startswith(ALERT_SK_PREFIX):
            document["system_alerts"].append(values)
        elif sk.startswith(DIAGNOSTICS_SK_PREFIX):
            document["unlinked_diagnostics"].append(values)
        else:
            document["other_items"].append({"pk": pk, "sk": sk, **values})
    for entry in document["models"].values():
        entry["versions"].sort(key=lambda v: v.get("version", 0), reverse=True)
        entry["alerts"].sort(key=lambda a: str(a.get("created_at", "")))
        entry["diagnostics"].sort(key=lambda d: str(d.get("processed_at", "")))
    document["models"] = dict(sorted(document["models"].items()))
    if not document["other_items"]:
        del document["other_items"]
    return document


def counts(document: Mapping[str, Any]) -> str:
    models = document["models"]
    versions = sum(len(m["versions"]) for m in models.values())
    alerts = sum(len(m["alerts"]) for m in models.values()) + len(document["system_alerts"])
    return (
        f"{len(models)} model{'s' if len(models) != 1 else ''}, "
        f"{versions} version{'s' if versions != 1 else ''}, {alerts} alert{'s' if alerts != 1 else ''}"
    )


def run_export(args: argparse.Namespace) -> int:
    from model_steward.compose import cli as compose_cli

    target = resolve_target(args)
    document = build(
        compose_cli.ledger_items(target.table), table=target.table, now=datetime.now(UTC), model=args.model
    )
    if args.model and args.model not in document["models"]:
        raise InvalidInputError(f"the ledger {target.table} has nothing about model {args.model}")
    text = to_json(document) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot write {args.out}: {exc.strerror or exc}") from exc
    print(f"ledger {target.table} exported ({counts(document)}) to {args.out.resolve()}")
    return 0
