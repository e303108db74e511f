"""`make demo`: Model Steward on the local stack, as a story a newcomer follows in two minutes.

1. template.yaml is deployed into moto and the Lookout for Equipment emulator (what was created);
2. a small fleet of pumps and compressors, each with a few versions, is seen for the first time;
3. a retraining round: one model improves and is promoted, one gets worse and is rejected, one is
   unlabelled and held for a person, one fails;
4. the same governance on AWS IoT SiteWise anomaly detection (computation models applied to assets);
5. a diagnostics file arrives and its summary and report are written;
6. the messages e-mail and Slack would receive are written out, and the ledger is exported with
   `steward ledger export`;
7. `steward status` and `steward history` show what an operator sees;
8. two deployments in two accounts: staging approves, production imports, decides and activates.

Everything lands under demo-output/ (or the folder given with --out); the functions' structured
logs and metrics go to functions.log, one JSON object a line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from emulators import demo_diagnostics, demo_imports, demo_sitewise
from emulators.demo_inbox import read_inbox, subscribe_inbox
from emulators.samples import metrics_json, unlabelled_metrics_json
from emulators.stack import LocalStack
from model_steward import cli
from model_steward.adapters.ledger import DynamoLedger
from model_steward.domain.formatting import duration, percent, timestamp
from model_steward.domain.messages import render_email, render_slack
from model_steward.models.alerts import Alert

ROOT = Path(__file__).resolve().parent.parent
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
BETTER = metrics_json(num_labeled=8, num_identified=7, unknown=3)
WORSE = metrics_json(num_labeled=8, num_identified=4, unknown=11)
UNLABELLED = unlabelled_metrics_json(unknown=5, ranges=3)
FLEET = {
    "pump-01": "labelled",
    "pump-02": "labelled",
    "compressor-07": "labelled",
    "compressor-08": "unlabelled",
    "conveyor-03": "labelled",
}
DIAGNOSTICS_MODEL = "conveyor-pump-03"
PARAMETERS = {
    "DryRun": "false",
    "WatchAllModels": "true",
    "PolicyCooldownHours": "0",
    "DiagnosticsSource": "stack-bucket",
    "AlertEmail": "reliability@example.com",
    "PolicyParameterName": "/model-steward/demo/policy",
    **demo_sitewise.PARAMETERS,
}
"""The demo deployment: live promotions (no dry run, no cooldown), a diagnostics bucket, and both
Lookout for Equipment and SiteWise models."""


def install_policy(stack: LocalStack) -> None:
    """The per-model policy document: SiteWise units judged on their metrics (they have no quality)."""
    stack.client("ssm").put_parameter(
        Name=PARAMETERS["PolicyParameterName"], Type="String", Value=json.dumps(demo_sitewise.POLICY)
    )


def say(text: str = "") -> None:
    print(text, flush=True)


def short_path(path: Path) -> str:
    """A path as short as it reads well: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def heading(text: str) -> None:
    say(f"\n\033[1m== {text}\033[0m")


@contextlib.contextmanager
def quiet(log: IO[str]) -> Iterator[None]:
    """The functions' JSON logs (stderr) and EMF metrics (stdout) go to the log, not the terminal."""
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        yield


def run_tick(stack: LocalStack, log: IO[str], kind: str = "tick") -> dict[str, Any]:
    """One watch tick, then the evaluate queue drained, as the deployed schedule and Lambda would."""
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


def summarise_diagnostics(stack: LocalStack, log: IO[str], out: Path) -> dict[str, Any]:
    """A diagnostics file through the deployed wiring; the watch sees its model first, so the
    summary is linked to the version's ledger record."""
    with quiet(log):
        return demo_diagnostics.run(
            stack, out, model_name=DIAGNOSTICS_MODEL, before_upload=lambda: run_tick(stack, log)
        )


def build_fleet(stack: LocalStack, log: IO[str], diagnostics_out: Path) -> dict[str, Any]:
    """The demo's whole story, without the telling (`make local` starts from it)."""
    install_policy(stack)
    seed_fleet(stack)
    run_tick(stack, log)
    versions = retraining_round(stack)
    run_tick(stack, log)
    demo_sitewise.run(stack, lambda: run_tick(stack, log), lambda: quiet(log))
    diagnostics = summarise_diagnostics(stack, log, diagnostics_out)
    return {"versions": versions, "diagnostics": diagnostics}


def write_messages(alerts: list[Alert], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, alert in enumerate(alerts, 1):
        stem = f"{index:02d}-{alert.kind.value.lower()}-{alert.model_name or 'system'}"
        subject, body = render_email(alert)
        (folder / f"{stem}.email.txt").write_text(f"Subject: {subject}\n\n{body}\n")
        (folder / f"{stem}.slack.json").write_text(json.dumps(render_slack(alert), indent=2) + "\n")


def steward(*arguments: str) -> tuple[int, str, str]:
    """Run a `steward` command in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(arguments))
    return code, out.getvalue(), err.getvalue()


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


def show_first_sight(stack: LocalStack, log: IO[str]) -> None:
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


def show_retraining_round(stack: LocalStack, log: IO[str]) -> None:
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


def _event(event: Any) -> str:
    if isinstance(event, Mapping):
        return (
            f"{timestamp(event['start'])} to {timestamp(event['end'])} "
            f"({event['rows']} records, {duration(event['duration_seconds'])})"
        )
    return str(event) if event else "none"


def _names(names: Any) -> str:
    return ", ".join(names) if isinstance(names, list | tuple) else str(names)


def show_diagnostics(result: Mapping[str, Any]) -> None:
    who = f"{result['model_name']} v{result['version']}"
    say(
        f"   {who}: {result['rows']} records, {result['anomalous_rows']} anomalous "
        f"({percent(result['anomalous_fraction'], 2)}) in {result['event_count']} events"
    )
    say(f"      longest event: {_event(result['longest_event'])}")
    say(f"      leading sensors: {_names(result['top_sensors'])}")
    if result["linked"]:
        say(f"      linked to {who} in the ledger (steward history {result['model_name']} lists it)")
    else:
        say("      not linked to a model version (the alert says why)")
    say(f"      read {result['source_uri']} ({result['source_bytes']:,} bytes)")
    for label, key in (("summary", "summary_path"), ("report", "report_path")):
        say(f"      {label}: {short_path(Path(result[key]))}")


def show_alerts(stack: LocalStack, inbox: str, out: Path) -> None:
    alerts = read_inbox(stack, inbox)
    write_messages(alerts, out / "messages")
    for alert in alerts:
        say(f"   [{alert.severity.value:<8}] {alert.title}")
    say(f"   {len(alerts)} messages, e-mail text and Slack blocks each: {short_path(out / 'messages')}")


def show_commands(stack: LocalStack, out: Path) -> None:
    deployment = ["--stack", stack.stack_name]
    code, shown, errors = steward("ledger", "export", *deployment, "--out", str(out / "ledger.json"))
    say(f"   $ steward ledger export --stack {stack.stack_name} --out {short_path(out / 'ledger.json')}")
    for line in (shown + errors).splitlines():
        say(f"   {line}")
    for command in (["status", *deployment], ["history", "compressor-08", *deployment]):
        say(f"\n   $ steward {' '.join(command)}")
        code, shown, errors = steward(*command)
        (out / f"steward-{command[0]}.txt").write_text(shown)
        for line in (shown + errors).splitlines():
            say(f"   {line}")
        say(f"   (exit code {code})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "demo-output")
    args = parser.parse_args()
    out: Path = args.out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log = io.StringIO()
    started = time.perf_counter()
    heading("1. Deploying template.yaml into moto + the Lookout for Equipment and SiteWise emulators")
    with LocalStack(PARAMETERS) as stack:
        install_policy(stack)
        show_deployment(stack)
        inbox = subscribe_inbox(stack, "demo-inbox")

        heading("2. A fleet Model Steward sees for the first time")
        show_first_sight(stack, log)

        heading("3. A retraining round")
        show_retraining_round(stack, log)

        heading("4. AWS IoT SiteWise anomaly detection: the same governance")
        for line in demo_sitewise.run(stack, lambda: run_tick(stack, log), lambda: quiet(log)):
            say(line)

        heading("5. A diagnostics file arrives")
        show_diagnostics(summarise_diagnostics(stack, log, out / "diagnostics"))

        heading("6. What e-mail and Slack receive; the ledger")
        show_alerts(stack, inbox, out)

        heading("7. What the operator sees")
        show_commands(stack, out)

    heading("8. Two accounts: staging approves, production imports, decides and activates")
    demo_imports.run(out / "cross-account", lambda: quiet(log), say)

    (out / "functions.log").write_text(log.getvalue())
    heading(f"Done in {time.perf_counter() - started:.1f} s; everything is under {short_path(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
