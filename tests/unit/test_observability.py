"""The Tracer uses X-Ray only where X-Ray records, so nothing else pays for importing its SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from model_steward.observability import traces_aws_calls

PROBE = """
import json, sys
from model_steward.observability import tracer

@tracer.capture_method
def double(x):
    return 2 * x

@tracer.capture_lambda_handler
def handler(event, context):
    return double(event)

print(json.dumps({
    "result": handler(21, None),
    "provider": type(tracer.provider).__module__,
    "xray_sdk_imported": any(m.split(".")[0] == "aws_xray_sdk" for m in sys.modules),
}))
"""


def run_probe(tmp_path, **environ: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "LAMBDA_", "AWS_SAM"))}
    env.update(POWERTOOLS_SERVICE_NAME="model-steward", POWERTOOLS_METRICS_NAMESPACE="Test", **environ)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_given_no_lambda_environment_when_imported_then_the_xray_sdk_is_never_loaded(tmp_path) -> None:
    result = run_probe(tmp_path)

    assert result == {"result": 42, "provider": "model_steward.observability", "xray_sdk_imported": False}


def test_given_lambda_with_tracing_disabled_when_imported_then_the_xray_sdk_is_never_loaded(tmp_path) -> None:
    result = run_probe(tmp_path, LAMBDA_TASK_ROOT=str(tmp_path), POWERTOOLS_TRACE_DISABLED="true")

    assert result["xray_sdk_imported"] is False
    assert result["result"] == 42


def test_given_lambda_and_a_bundled_xray_sdk_when_imported_then_the_tracer_records_to_xray(tmp_path) -> None:
    pytest.importorskip("aws_xray_sdk")

    result = run_probe(tmp_path, LAMBDA_TASK_ROOT=str(tmp_path), AWS_LAMBDA_FUNCTION_NAME="steward-watch")

    assert str(result["provider"]).startswith("aws_xray_sdk")
    assert result["result"] == 42


@pytest.mark.parametrize(
    ("environ", "traced"),
    [
        ({}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_tracing_follows_powertools_rules(environ: dict[str, str], traced: bool) -> None:
    pytest.importorskip("aws_xray_sdk")

    assert traces_aws_calls(environ) is traced
