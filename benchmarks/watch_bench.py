"""Watch/evaluate cost at fleet scale, through the local stack (prints figures; asserts nothing).

Seeds the Lookout for Equipment emulator with N watched models (version 1 active, MANUAL
schedulers), lets Model Steward see them once, then measures three ticks:

- idle: nothing changed since the last tick (goal: at most ceil(N/500) + 2 Lookout calls);
- 10 % retrained: a tenth of the models finished a scheduled retraining;
- full sweep: the daily sweep that queues every watched model.

Each figure covers the watch invocation and draining the evaluate queue as Lambda would.
Usage: python -m benchmarks.watch_bench [--models 1000] [--retrained-pct 10]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import time
from collections import Counter

from emulators.common.state import ServiceState
from emulators.samples import metrics_json
from emulators.stack import LocalStack

GOOD = metrics_json(num_labeled=8, num_identified=7, unknown=4)
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)


def measure(stack: LocalStack, kind: str, service: ServiceState) -> tuple[float, Counter[str], int]:
    """One watch invocation of ``kind`` and the evaluate queue drained: seconds, the calls
    ``service`` (the registry's emulator) answered by operation, evaluations delivered."""
    service.reset_calls()
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the functions' JSON logs and EMF metrics
        stack.invoke("WatchFunction", {"kind": kind})
        drained = stack.drain("EvaluateFunction")
    elapsed = time.perf_counter() - started
    return elapsed, Counter(call.operation for call in service.calls), drained.delivered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--retrained-pct", type=float, default=10.0)
    args = parser.parse_args()
    n = args.models

    with LocalStack({"DryRun": "false", "PolicyCooldownHours": "0", "WatchAllModels": "true"}) as stack:
        for i in range(n):
            name = f"asset-{i:05d}"
            stack.lookout.seed_model(name, scheduler="MANUAL")
            stack.lookout.add_version(name, model_metrics=PRIOR, activate=True)
        first = measure(stack, "tick", stack.lookout)
        idle = measure(stack, "tick", stack.lookout)
        retrained = math.ceil(n * args.retrained_pct / 100)
        for i in range(retrained):
            name = f"asset-{i:05d}"
            version = stack.lookout.start_retraining(name)
            stack.lookout.finish_retraining(name, version, model_metrics=GOOD, prior_model_metrics=PRIOR)
        changed = measure(stack, "tick", stack.lookout)
        sweep = measure(stack, "full-sweep", stack.lookout)
        promoted = sum(1 for i in range(retrained) if stack.lookout.active_version(f"asset-{i:05d}") == 2)

    goal = math.ceil(n / 500) + 2
    print(f"Model Steward watch benchmark: {n} watched models, local stack (moto + emulator), 1 process\n")
    print(f"{'tick':<24}{'Lookout calls':>14}{'models evaluated':>18}{'wall s':>9}   calls by operation")
    for label, (elapsed, calls, delivered) in (
        ("first sight (baseline)", first),
        ("idle", idle),
        (f"{args.retrained_pct:g}% retrained", changed),
        ("full sweep", sweep),
    ):
        detail = ", ".join(f"{op} {count}" for op, count in sorted(calls.items()))
        print(f"{label:<24}{sum(calls.values()):>14}{delivered:>18}{elapsed:>9.2f}   {detail}")
    idle_calls = sum(idle[1].values())
    verdict = "meets" if idle_calls <= goal else "MISSES"
    print(f"\nidle tick: {idle_calls} Lookout calls; goal ceil(N/500) + 2 = {goal}: {verdict} the goal")
    print(f"retrained models promoted: {promoted} of {retrained}")


if __name__ == "__main__":
    main()
