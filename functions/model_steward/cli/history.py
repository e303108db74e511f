"""`steward history`: the ledger of one model, newest version first.

    steward history MODEL [--all] [--json] [--stack NAME | --table NAME] [--region REGION]

Each version: its ledger state, the outcome and its one-sentence summary, when it was decided and
promoted, who acted (the automation or an operator, with the operator's note), and the rules that
blocked it (FAIL and NOT_MEASURABLE; every rule with ``--all``). Then the diagnostics files linked
to the model. ``--json`` prints everything, every rule included.

Exit codes: 0; 2 for a model that has no ledger items and does not exist in Lookout for Equipment.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from model_steward.cli import summary
from model_steward.cli.common import add_stack_arguments, print_json, render_table, resolve_target
from model_steward.cli.imports import history_lines
from model_steward.domain.formatting import timestamp
from model_steward.errors import NotFoundError
from model_steward.models.decision import Decision, ModelFacts, RuleOutcome
from model_steward.models.ledger import VersionRecord

if TYPE_CHECKING:
    from model_steward.ports import Ledger, ModelRegistry

_MARK = {"PASS": "pass", "FAIL": "FAIL", "NOT_MEASURABLE": "n/m ", "SKIPPED": "skip"}
_NOTEWORTHY = {RuleOutcome.FAIL, RuleOutcome.NOT_MEASURABLE}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("history", help=summary("history"))
    parser.add_argument(
        "model",
        metavar="MODEL",
        help="the model (Lookout for Equipment name, or SiteWise sw-<model id>-<asset id>)",
    )
    parser.add_argument("--all", action="store_true", help="show every rule's result, not only blocking ones")
    parser.add_argument("--json", action="store_true", help="machine-readable output (every rule)")
    add_stack_arguments(parser)
    parser.set_defaults(handler=run)


def _decision(record: VersionRecord) -> Decision | None:
    if not record.decision_json:
        return None
    try:
        return Decision.model_validate_json(record.decision_json)
    except ValueError:  # a record written by another release: show the rest of it
        return None


def version_entry(record: VersionRecord) -> dict[str, Any]:
    decision = _decision(record)
    values = record.model_dump(mode="json", exclude={"decision_json"})
    values["rule_results"] = [r.model_dump(mode="json") for r in decision.rule_results] if decision else []
    values["look_at"] = decision.look_at if decision else []
    return values


def gather(ledger: Ledger, registry: ModelRegistry, model_name: str) -> dict[str, Any]:
    """The model's ledger: versions newest first, diagnostics files, what the registry says now."""
    records = ledger.versions(model_name)
    diagnostics = sorted(ledger.diagnostics_of(model_name), key=lambda d: d.processed_at, reverse=True)
    try:
        model: ModelFacts | None = registry.describe_model(model_name)
    except NotFoundError:
        model = None
    if not records and not diagnostics and model is None:
        raise NotFoundError(
            f"unknown model {model_name}: it has no ledger records and the model registry does not know it"
        )
    from model_steward.cli.imports import history_imports

    return {
        "model_name": model_name,
        "imports": history_imports(ledger, model_name),
        "label": model.label if model else None,
        "in_lookout": model is not None,
        "active_version": model.active_version if model else None,
        "active_since": model.active_version_activated_at if model else None,
        "versions": [version_entry(record) for record in records],
        "diagnostics": [
            d.model_dump(mode="json", exclude={"item_type"}, exclude_none=True) for d in diagnostics
        ],
    }


def _heading(history: dict[str, Any]) -> str:
    name = f"{history['label']} ({history['model_name']})" if history.get("label") else history["model_name"]
    count = len(history["versions"])
    recorded = f"{count} version{'s' if count != 1 else ''} in the ledger"
    if not history["in_lookout"]:
        return f"{name}: not in Lookout for Equipment (deleted?); {recorded}"
    if history["active_version"] is None:
        return f"{name}: no active version; {recorded}"
    since = timestamp(history["active_since"])
    return f"{name}: active v{history['active_version']} since {since}; {recorded}"


def render(history: dict[str, Any], *, every_rule: bool) -> list[str]:
    lines = [_heading(history)]
    versions = history["versions"]
    if not versions:
        lines.append("  no versions recorded yet: Model Steward has not evaluated this model")
    heads = render_table(
        ["VERSION", "STATE", "OUTCOME", "DECIDED", "PROMOTED", "BY"],
        [
            [
                f"v{v['version']}",
                v["state"],
                v["outcome"] or "-",
                timestamp(v["decided_at"]),
                timestamp(v["promoted_at"]),
                v["actor"],
            ]
            for v in versions
        ],
    ).splitlines()
    if versions:
        lines.append(heads[0])
    for head, entry in zip(heads[1:], versions, strict=True):
        lines.append(head)
        if entry["summary"]:
            lines.append(f"    {entry['summary']}")
        if entry["failed_reason"]:
            lines.append(f"    service: {entry['failed_reason']}")
        for result in entry["rule_results"]:
            if every_rule or RuleOutcome(result["outcome"]) in _NOTEWORTHY:
                lines.append(f"    [{_MARK[result['outcome']]}] {result['rule']:<22} {result['message']}")
        if entry["note"]:
            lines.append(f"    note: {entry['note']}")
        lines.extend(history_lines(entry["version"], history.get("imports", [])))
    unversioned = history_lines(None, history.get("imports", []))
    if unversioned:
        lines.append("imports without a version:")
        lines.extend(unversioned)
    files = history["diagnostics"]
    lines.append(f"diagnostics files: {len(files) or 'none'}")
    for item in files:
        version = f"v{item['version']}" if item.get("version") is not None else "v?"
        fraction = item.get("anomalous_fraction")
        share = (
            f"{fraction * 100:.2f}% anomalous" if isinstance(fraction, int | float) else item.get("status")
        )
        events = f", {item['event_count']} events" if item.get("event_count") is not None else ""
        lines.append(
            f"  {version}  {timestamp(item.get('processed_at'))}  {share}{events}  {item.get('source_uri')}"
        )
        if item.get("report_uri"):
            lines.append(f"      report: {item['report_uri']}")
    return lines


def run(args: argparse.Namespace) -> int:
    target = resolve_target(args)
    history = gather(target.ledger(), target.registry(), args.model)
    if args.json:
        print_json(history)
    else:
        print("\n".join(render(history, every_rule=args.all)))
    return 0
