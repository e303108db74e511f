"""The AWS IoT SiteWise part of ``make demo``: the same governance on SiteWise anomaly detection.

A computation model applied to four assets (and a second one to a fan) is retrained in the SiteWise
emulator, with its metrics files and evaluation results in the stack's bucket; one watch tick
decides every unit: a better version on like terms is activated (by an inference START with its
``targetModelVersion``), a worse one rejected, one compared only with the active version's own
metrics file (another window) held for a person, and a unit whose scheduler is SERVICE_MANAGED left
alone and reported. Then an evaluation results file is summarised with its sensors named by asset
and property.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from typing import TYPE_CHECKING, Any

import boto3

from model_steward.adapters.ledger import DynamoLedger
from model_steward.domain.samples import metrics_json
from model_steward.models.diagnostics_files import output_keys

if TYPE_CHECKING:
    from emulators.stack import LocalStack

PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
BETTER = metrics_json(num_labeled=8, num_identified=7, unknown=3)
WORSE = metrics_json(num_labeled=8, num_identified=4, unknown=11)
POLICY = {"version": 1, "prefixes": {"sw-": {"min_model_quality": "CANNOT_DETERMINE_QUALITY"}}}
"""SiteWise reports no model quality: its units are judged on their metrics (a prefix override)."""
PARAMETERS = {
    "ModelRegistry": "both",
    "SiteWiseMetricsPrefix": "sitewise/metrics/",
    "SiteWiseResultsPrefix": "sitewise/results/",
}

# (model, asset, promotion, how the retraining ends, what the demo says about it)
FLEET: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("Pump anomaly", "Pump 21", "CUSTOMER_MANAGED", {"metrics": BETTER}),
    ("Pump anomaly", "Pump 22", "CUSTOMER_MANAGED", {"metrics": WORSE}),
    ("Pump anomaly", "Pump 23", "CUSTOMER_MANAGED", {"metrics": BETTER, "prior_metrics": None}),
    ("Fan anomaly", "Fan 01", "SERVICE_MANAGED", {"metrics": BETTER}),
)


def seed(stack: LocalStack) -> list[str]:
    """The units, each with version 1 active and inference running (seen once: the baseline)."""
    bucket = stack.outputs["DiagnosticsBucketName"]
    keys = []
    for model, asset, promotion, _ in FLEET:
        key = stack.sitewise.seed_unit(
            model,
            asset,
            bucket=bucket,
            promotion=promotion,
            metrics_prefix=PARAMETERS["SiteWiseMetricsPrefix"],
            results_prefix=PARAMETERS["SiteWiseResultsPrefix"],
        )
        stack.sitewise.train(key, metrics=PRIOR, activate=True)
        keys.append(key)
    return keys


def run(
    stack: LocalStack, tick: Callable[[], object], quiet: Callable[[], ContextManager[None]]
) -> list[str]:
    """Seed, tick, retrain, tick; what happened to each unit; one results file summarised. Returns
    the lines to show (the work runs ``quiet``: its logs go to the demo's log file)."""
    lines: list[str] = []
    say = lines.append
    with quiet():
        keys = seed(stack)
        tick()
        versions = {}
        for key, (_, _, _, finish) in zip(keys, FLEET, strict=True):
            version = stack.sitewise.start_retraining(key)
            stack.sitewise.finish_retraining(key, version, **finish)
            versions[key] = version
        tick()
    ledger = DynamoLedger(stack.resources["LedgerTable"])
    for key, version in versions.items():
        model, asset = stack.sitewise.names(key)
        record = ledger.version(key, version)
        outcome = record.outcome if record else "not recorded"
        say(
            f"   {model} / {asset} v{version}: \033[1m{outcome}\033[0m "
            f"(active now: v{stack.sitewise.active_version(key)})"
        )
        if record is not None:
            say(f"      {record.summary}")
    first = keys[0]
    activations = [p for p in stack.sitewise.payloads(first, inference=True) if "targetModelVersion" in p]
    say(
        f"   activation of {stack.sitewise.names(first)[1]}: "
        f"ExecuteAction inference {json.dumps(activations[-1])}"
    )
    bucket = stack.outputs["DiagnosticsBucketName"]
    results = stack.sitewise.results_key(first, versions[first]) or ""
    with quiet():
        (answer,) = stack.deliver(bucket, results)
    (outcome,) = answer["files"]
    summary_key, _ = output_keys(results, "")
    summary = json.loads(
        boto3.session.Session().client("s3").get_object(Bucket=bucket, Key=summary_key)["Body"].read()
    )
    say(
        f"   evaluation results {results.rsplit('/', 1)[-1]}: {outcome['status']}, "
        f"{summary['rows']} rows, {summary['event_count']} events"
    )
    return lines
