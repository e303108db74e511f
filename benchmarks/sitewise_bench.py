"""SiteWise watch/evaluate cost, through the local stack (prints figures; asserts nothing).

Seeds the SiteWise emulator with N units (computation models applied to assets, version 1 active,
CUSTOMER_MANAGED schedulers), lets Model Steward see them once, then measures:

- idle: nothing changed since the last tick (SiteWise has no cheap fleet listing: each unit costs
  one ListExecutions and one execution summary, each model one ListComputationModelResolveToResources);
- 10 % retrained: a tenth of the units finished a retraining that is better on like terms;
- full sweep: the daily sweep that queues every unit.

Each figure covers the watch invocation and draining the evaluate queue as Lambda would.
Usage: python -m benchmarks.sitewise_bench [--units 200] [--assets-per-model 10] [--retrained-pct 10]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math

from benchmarks.watch_bench import measure
from emulators.samples import metrics_json
from emulators.stack import LocalStack
from model_steward.models.ledger import model_pk, version_sk

GOOD = metrics_json(num_labeled=8, num_identified=7, unknown=4)
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
POLICY = {"version": 1, "prefixes": {"sw-": {"min_model_quality": "CANNOT_DETERMINE_QUALITY"}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--assets-per-model", type=int, default=10)
    parser.add_argument("--retrained-pct", type=float, default=10.0)
    args = parser.parse_args()
    n = args.units
    parameters = {
        "ModelRegistry": "sitewise",
        "WatchAllModels": "true",
        "DiagnosticsSource": "stack-bucket",
        "DryRun": "false",
        "PolicyCooldownHours": "0",
        "PolicyParameterName": "/bench/policy",
    }
    with LocalStack(parameters) as stack:
        stack.client("ssm").put_parameter(Name="/bench/policy", Type="String", Value=json.dumps(POLICY))
        bucket = stack.outputs["DiagnosticsBucketName"]
        keys = []
        with contextlib.redirect_stdout(io.StringIO()):
            for i in range(n):
                model = f"Anomaly model {i // args.assets_per_model:03d}"
                key = stack.sitewise.seed_unit(model, f"Asset {i:05d}", bucket=bucket)
                stack.sitewise.train(key, metrics=PRIOR, activate=True)
                keys.append(key)
        first = measure(stack, "tick", stack.sitewise)
        idle = measure(stack, "tick", stack.sitewise)
        retrained = math.ceil(n * args.retrained_pct / 100)
        with contextlib.redirect_stdout(io.StringIO()):
            for key in keys[:retrained]:
                version = stack.sitewise.start_retraining(key)
                stack.sitewise.finish_retraining(key, version, metrics=GOOD)
        changed = measure(stack, "tick", stack.sitewise)
        sweep = measure(stack, "full-sweep", stack.sitewise)
        promoted = sum(stack.sitewise.active_version(key) == 2 for key in keys[:retrained])
        missed = [
            f"{key}: {_ledger_record(stack, key, 2)}"
            for key in keys[:retrained]
            if stack.sitewise.active_version(key) != 2
        ]

    models = math.ceil(n / args.assets_per_model)
    print(f"{n} units ({models} computation models x {args.assets_per_model} assets)")
    for label, (seconds, calls, evaluated) in (
        ("first sight", first),
        ("idle tick", idle),
        (f"{args.retrained_pct:g} % retrained", changed),
        ("full sweep", sweep),
    ):
        total = sum(calls.values())
        detail = ", ".join(f"{op} {count}" for op, count in calls.most_common())
        print(
            f"  {label:<15} {seconds:6.2f} s  {total:>6} SiteWise calls  {evaluated:>4} evaluated  ({detail})"
        )
    print(f"  promoted {promoted} of {retrained} retrained units")
    for line in missed:  # what the ledger says of a version left inactive, to tell why
        print(f"  not promoted: {line}")


def _ledger_record(stack: LocalStack, model_name: str, version: int) -> str:
    item = (
        stack.client("dynamodb")
        .get_item(
            TableName=stack.outputs["LedgerTableName"],
            Key={"pk": {"S": model_pk(model_name)}, "sk": {"S": version_sk(version)}},
        )
        .get("Item", {})
    )
    fields = ("state", "outcome", "note")
    return ", ".join(f"{name}={item[name].get('S')}" for name in fields if name in item) or "no record"


if __name__ == "__main__":
    main()
