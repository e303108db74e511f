"""`make demo`: Model Steward on the local stack, as a story a newcomer follows in two minutes.

1. template.yaml is deployed into moto and the Lookout for Equipment emulator (what was created);
2. a small fleet of pumps and compressors, each with a few versions, is seen for the first time;
3. a retraining round: one model improves and is promoted, one gets worse and is rejected, one is
   unlabelled and held for a person, one fails;
4. the same governance on AWS IoT SiteWise anomaly detection (computation models applied to assets);
5. a diagnostics file arrives and its summary and report are written;
6. the messages e-mail and Slack would receive are written out, and the ledger is exported;
7. `steward status` and `steward history` show what an operator sees.

Everything lands under demo-output/ (or the folder given with --out).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from emulators import demo_diagnostics, demo_sitewise
from emulators.samples import metrics_json, unlabelled_metrics_json
from emulators.stack import LocalStack
from model_steward import cli
from model_steward.adapters.ledger import DynamoLedger
from model_steward.domain.messages import render_email, render_slack
from model_steward.models.alerts import Alert

ROOT = Path(__file__).resolve().parent.parent
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
BETTER = metrics_json(num_labeled=8, num_identified=7, unknown=3)
WORSE = metrics_json(num_labeled=8, num_identified=4, unknown=11)
UNLABELLED = unlabelled_metrics_json(unknown=5, ranges=3)
POLICY_PARAMETER = "/model-steward/demo/policy"
FLEET = {
    "pump-01": "labelled",
    "pump-02": "labelled",
    "compressor-07": "labelled",
    "compressor-08": "unlabelled",
    "conveyor-03": "labelled",
}


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say(f"\n\033[1m== {text}\033[0m")


@contextlib.contextmanager
def quiet(log: io.StringIO) -> Iterator[None]:
    """The functions' JSON logs and EMF metrics go to the demo's log file, not the terminal (the
    logger's handler keeps the stream it was created with, so it is pointed there too)."""
    from model_steward.observability import logger

    handler = logger.registered_handler
    previous = handler.setStream(log) if isinstance(handler, logging.StreamHandler) else None
    try:
        with contextlib.redirect_stdout(log):
            yield
    finally:
        if previous is not None and isinstance(handler, logging.StreamHandler):
            handler.setStream(previous)


def run_tick(stack: LocalStack, log: io.StringIO, kind: str = "tick") -> dict[str, Any]:
    with quiet(log):
        report: dict[str, Any] = stack.invoke("WatchFunction", {"kind": kind})
        stack.drain("EvaluateFunction")
    return report


def seed_fleet(stack: LocalStack) -> None:
    for name, kind in FLEET.items():
        labelled = kind == "labelled"
        stack.lookout.seed_model(name, scheduler="MANUAL", labelled=labelled)
        for _ in range(3):
            stack.lookout.add_version(name, model_metrics=PRIOR if labelled else UNLABELLED)
        stack.lookout.activate_version(name, 3)


def retraining_round(stack: LocalStack) -> dict[str, int]:
    lookout = stack.lookout
    versions = {
        name: lookout.start_retraining(name)
        for name in ("pump-01", "pump-02", "compressor-08", "conveyor-03")
    }
    lookout.finish_retraining("pump-01", versions["pump-01"], model_metrics=BETTER, prior_model_metrics=PRIOR)
    lookout.finish_retraining(
        "pump-02",
        versions["pump-02"],
        model_quality="POOR_QUALITY_DETECTED",
        model_metrics=WORSE,
        prior_model_metrics=PRIOR,
    )
    lookout.finish_retraining(
        "compressor-08",
        versions["compressor-08"],
        model_quality="CANNOT_DETERMINE_QUALITY",
        model_metrics=UNLABELLED,
        prior_model_metrics=UNLABELLED,
    )
    lookout.finish_retraining(
        "conveyor-03",
        versions["conveyor-03"],
        status="FAILED",
        failed_reason="Insufficient data: fewer than 14 days of sensor data after the off-condition filter.",
    )
    return versions


def subscribe_inbox(stack: LocalStack) -> str:
    sqs, sns = stack.client("sqs"), stack.client("sns")
    url: str = sqs.create_queue(QueueName="demo-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=stack.outputs["AlertTopicArn"], Protocol="sqs", Endpoint=arn)
    return url


def read_inbox(stack: LocalStack, url: str) -> list[Alert]:
    sqs = stack.client("sqs")
    alerts = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            alerts.append(Alert.model_validate_json(json.loads(message["Body"])["Message"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return alerts


def write_messages(alerts: list[Alert], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, alert in enumerate(alerts, 1):
        stem = f"{index:02d}-{alert.kind.value.lower()}-{alert.model_name or 'system'}"
        subject, body = render_email(alert)
        (folder / f"{stem}.email.txt").write_text(f"Subject: {subject}\n\n{body}\n")
        (folder / f"{stem}.slack.json").write_text(json.dumps(render_slack(alert), indent=2) + "\n")


def export_ledger(stack: LocalStack, path: Path) -> int:
    client = stack.client("dynamodb")
    items = []
    for page in client.get_paginator("scan").paginate(TableName=stack.resources["LedgerTable"]):
        items.extend(page["Items"])
    path.write_text(json.dumps(items, indent=1, default=str) + "\n")
    return len(items)


def show_deployment(stack: LocalStack) -> None:
    kinds: dict[str, int] = {}
    for kind in stack.resource_types.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    say(f"   stack {stack.stack_name}: {len(stack.resource_types)} resources")
    for kind, count in sorted(kinds.items()):
        say(f"     {count:>2} x {kind}")
    say("   functions (environment read back from the deployment):")
    for function in stack.functions.values():
        say(f"     {function.logical_id:<22} {function.handler}")
    for name, kind in stack.not_emulated.items():
        say(f"   not applied locally: {name} ({kind}): it denies non-TLS requests; local endpoints are HTTP")


def show_first_sight(stack: LocalStack, log: io.StringIO) -> None:
    seed_fleet(stack)
    report = run_tick(stack, log)
    say(f"   watch tick: {report['watched']} watched models, {len(report['queued'])} queued (first sight)")
    for name in FLEET:
        active = stack.lookout.describe(name).get("ActiveModelVersion")
        versions = stack.lookout.version_numbers(name)
        say(f"     {name:<15} active v{active}  versions {versions}: recorded as the baseline")
    stack.lookout.reset_calls()
    report = run_tick(stack, log)
    calls, list_models = stack.lookout.call_count(), stack.lookout.call_count("ListModels")
    say(
        f"   next tick, nothing changed: {len(report['queued'])} queued, "
        f"{calls} Lookout for Equipment call(s) ({list_models} ListModels)"
    )


def show_retraining_round(stack: LocalStack, log: io.StringIO) -> None:
    versions = retraining_round(stack)
    run_tick(stack, log)
    ledger = DynamoLedger(stack.resources["LedgerTable"])
    for name, version in versions.items():
        record = ledger.version(name, version)
        if record is None:
            say(f"   {name} v{version}: not recorded (see {name} in functions.log)")
            continue
        outcome = record.outcome or record.state.value
        active = stack.lookout.active_version(name)
        say(f"   {name} v{version}: \033[1m{outcome}\033[0m (active now: v{active})")
        say(f"      {record.summary or record.failed_reason}")
        if record.decision_json:
            for rule in json.loads(record.decision_json)["rule_results"]:
                if rule["outcome"] in ("FAIL", "NOT_MEASURABLE"):
                    say(f"      - {rule['rule']}: {rule['message']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "demo-output")
    args = parser.parse_args()
    out: Path = args.out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log = io.StringIO()
    started = time.perf_counter()
    parameters = {
        "DryRun": "false",
        "WatchAllModels": "true",
        "PolicyCooldownHours": "0",
        "DiagnosticsSource": "stack-bucket",
        "AlertEmail": "reliability@example.com",
        "PolicyParameterName": POLICY_PARAMETER,
        **demo_sitewise.PARAMETERS,
    }
    heading("1. Deploying template.yaml into moto + the Lookout for Equipment and SiteWise emulators")
    with LocalStack(parameters) as stack:
        stack.client("ssm").put_parameter(
            Name=POLICY_PARAMETER, Type="String", Value=json.dumps(demo_sitewise.POLICY)
        )
        show_deployment(stack)
        inbox = subscribe_inbox(stack)

        heading("2. A fleet Model Steward sees for the first time")
        show_first_sight(stack, log)

        heading("3. A retraining round")
        show_retraining_round(stack, log)

        heading("4. AWS IoT SiteWise anomaly detection: the same governance")
        for line in demo_sitewise.run(stack, lambda: run_tick(stack, log), lambda: quiet(log)):
            say(line)

        heading("5. A diagnostics file arrives")
        with quiet(log):
            diagnostics = demo_diagnostics.run(stack, out / "diagnostics")
        for key, value in diagnostics.items():
            say(f"   {key}: {value}")

        heading("6. What e-mail and Slack receive")
        alerts = read_inbox(stack, inbox)
        write_messages(alerts, out / "messages")
        for alert in alerts:
            say(f"   [{alert.severity.value:<8}] {alert.title}")
        say(f"   {len(alerts)} messages, e-mail text and Slack blocks each: {out / 'messages'}")
        count = export_ledger(stack, out / "ledger.json")
        say(f"   ledger export ({count} items): {out / 'ledger.json'}")

        heading("7. What the operator sees: steward status, steward history pump-02")
        table = ["--stack", stack.stack_name]
        for command in (["status", *table], ["history", "pump-02", *table]):
            say(f"   $ steward {' '.join(command)}")
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                code = cli.main(command)
            (out / f"steward-{command[0]}.txt").write_text(output.getvalue())
            for line in output.getvalue().splitlines():
                say(f"   {line}")
            say(f"   (exit code {code})")

    (out / "functions.log").write_text(log.getvalue())
    heading(f"Done in {time.perf_counter() - started:.1f} s; artefacts under {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
