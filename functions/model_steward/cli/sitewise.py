"""`steward sitewise probe MODEL_ID ASSET_ID`: what a real account returns for one SiteWise unit, and
which settings of the SiteWiseFacts parameter it confirms or contradicts.

SiteWise documents neither where its answers carry a model version's number, the active version,
the promotion reason code and the prior model's metrics, nor whether activating needs inference
stopped first. Model Steward reads each from one named setting; this command prints the raw maps,
the actions' payloads and the S3 object names for one computation model applied to one asset, then
a verdict per setting and, where the account contradicts a setting, the parameter value that fits.
It only reads (the same calls the watch and evaluate functions make).
"""

from __future__ import annotations

import argparse
from typing import Any

from model_steward.cli import EXIT_OK, EXIT_REFUSED, summary


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("sitewise", help=summary("sitewise"))
    commands = group.add_subparsers(dest="sitewise_command", metavar="COMMAND", required=True)
    probe = commands.add_parser(
        "probe",
        help="print what the account returns for one model and asset, and which settings it confirms",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    probe.add_argument("model_id", metavar="MODEL_ID", help="the computation model's id")
    probe.add_argument("asset_id", metavar="ASSET_ID", help="the asset it is applied to")
    probe.add_argument(
        "--facts",
        default=None,
        metavar="NAME=VALUE,...",
        help="the settings to check (default: $STEWARD_SITEWISE_FACTS, else the built-in defaults)",
    )
    probe.add_argument(
        "--executions", type=int, default=5, metavar="N", help="newest executions to describe (5)"
    )
    probe.add_argument("--json", action="store_true", help="machine-readable output")
    probe.add_argument("--region", metavar="REGION", help="the AWS region (default: the SDK's)")
    probe.set_defaults(handler=run_probe)


def run_probe(args: argparse.Namespace) -> int:
    import os

    from model_steward import compose
    from model_steward.cli.common import apply_region, print_json, render_table, to_json
    from model_steward.domain.sitewise_probe import judge, suggested
    from model_steward.errors import InvalidInputError
    from model_steward.models.sitewise import UUID_PATTERN, SiteWiseFacts

    for what, value in (("MODEL_ID", args.model_id), ("ASSET_ID", args.asset_id)):
        if not UUID_PATTERN.match(value):
            raise InvalidInputError(f"{what} {value!r} is not a SiteWise id (a lowercase UUID)")
    text = args.facts if args.facts is not None else os.environ.get("STEWARD_SITEWISE_FACTS", "")
    facts = SiteWiseFacts.parse(text)
    registry = compose.sitewise_registry(apply_region(args), facts_text=facts.text())
    found = registry.probe(args.model_id, args.asset_id, executions=args.executions)
    judgements = judge(facts, found)
    better = suggested(facts, judgements)
    contradicted = [j for j in judgements if j.verdict == "CONTRADICTED"]
    if args.json:
        print_json(
            {
                "found": found,
                "settings": [j.__dict__ for j in judgements],
                "suggested_facts": better.text() if better else None,
            }
        )
        return EXIT_REFUSED if contradicted else EXIT_OK
    for title, key in (
        ("Computation model", "computation_model"),
        ("Asset", "asset"),
        ("Execution summary (DescribeComputationModelExecutionSummary)", "execution_summary"),
        ("Training executions (ListExecutions)", "training_executions"),
        ("Newest training executions (DescribeExecution)", "described_executions"),
        ("Actions and their payloads (ListActions, DescribeAction)", "actions"),
        ("Objects under the metrics destinations", "metrics_objects"),
        ("Objects under the evaluation results destinations", "results_objects"),
        ("Newest metrics file", "newest_metrics_file"),
    ):
        print(f"== {title}")
        print(to_json(found.get(key, "not read")))
        print()
    print("== Settings (SiteWiseFacts)")
    rows = [
        [j.setting, j.value, j.verdict, j.evidence + (f"; try {j.suggestion}" if j.suggestion else "")]
        for j in judgements
    ]
    print(render_table(["SETTING", "VALUE", "VERDICT", "EVIDENCE"], rows))
    print()
    if better is not None:
        print(f"Set the SiteWiseFacts parameter to: {better.text()}")
    elif contradicted:
        print("Some settings are contradicted and no value fits what was seen: read the raw answers above.")
    else:
        print("No setting is contradicted by what this unit shows.")
    return EXIT_REFUSED if contradicted else EXIT_OK
