"""The real packages: built as `make build` builds them, checked, and imported in isolation.

Each function is packaged for the Lambda runtime (arm64) and checked; the same package built for
this machine's architecture is then imported by a bare python3.13 that sees nothing but the
package and the standard library, so a module the package lacks fails here rather than in Lambda.
Building installs wheels with pip (from its cache after the first run).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

import pytest

from scripts import lambda_package as lp

pytestmark = pytest.mark.slow

FUNCTIONS = lp.template_functions()
HOST_ARCH = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())


def _runtime_python() -> str:
    try:
        return lp.runtime_python()
    except lp.PackagingError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    _runtime_python()
    built = {}
    for arch in sorted({"arm64", HOST_ARCH} - {None}):
        for logical_id, spec in FUNCTIONS.items():
            destination = tmp_path_factory.mktemp(f"{logical_id}-{arch}")
            lp.build_package(spec.handler_module, destination, arch=str(arch))
            built[logical_id, str(arch)] = destination
    return built


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_lambda_package_is_small_compiled_whole_and_as_pinned(
    packages: dict[tuple[str, str], Path], logical_id: str
) -> None:
    package = packages[logical_id, "arm64"]

    assert lp.package_problems(package, FUNCTIONS[logical_id].handler_module) == []
    assert (package / "boto3").is_dir()
    assert (package / "botocore").is_dir()
    assert not (package / "bin").exists()
    assert not list(package.glob("*.dist-info/RECORD"))


def test_each_function_carries_only_the_libraries_its_handler_imports(
    packages: dict[tuple[str, str], Path],
) -> None:
    def has(logical_id: str, top: str) -> bool:
        return (packages[logical_id, "arm64"] / top).is_dir()

    assert has("SlackNotifierFunction", "slack_sdk")
    assert has("DiagnosticsFunction", "msgspec")
    assert not has("WatchFunction", "slack_sdk")
    assert not has("WatchFunction", "msgspec")
    assert not has("EvaluateFunction", "slack_sdk")
    assert not has("WatchFunction", "aws_xray_sdk")
    assert not (packages["WatchFunction", "arm64"] / "model_steward" / "cli").exists()


IMPORT_PROBE = """
import importlib, json, sys, sysconfig
package = sys.argv[1]
sys.path.insert(0, package)
handler = importlib.import_module(sys.argv[2])
assert callable(handler.handler)
import boto3
for service in json.loads(sys.argv[3]):
    boto3.client(service, region_name="eu-west-1")
boto3.resource("dynamodb", region_name="eu-west-1")
stdlib = sysconfig.get_paths()["stdlib"]
outside = sorted(
    name for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and not module.__file__.startswith((package, stdlib))
)
print(json.dumps({"outside": outside}))
"""


@pytest.mark.skipif(HOST_ARCH is None, reason=f"no wheels for {platform.machine()}")
@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_package_imports_its_handler_and_creates_its_clients_on_its_own(
    packages: dict[tuple[str, str], Path], logical_id: str
) -> None:
    package = packages[logical_id, str(HOST_ARCH)]
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "LAMBDA_TASK_ROOT": str(package),
        "AWS_LAMBDA_FUNCTION_NAME": f"steward-{logical_id}",
        "AWS_REGION": "eu-west-1",
        "POWERTOOLS_SERVICE_NAME": "model-steward",
        "POWERTOOLS_METRICS_NAMESPACE": "ModelSteward",
    }

    done = subprocess.run(
        [
            _runtime_python(),
            "-I",
            "-S",
            "-c",
            IMPORT_PROBE,
            str(package),
            FUNCTIONS[logical_id].handler_module,
            json.dumps(sorted(lp.SERVICE_MODELS)),
        ],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        cwd=package,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"outside": []}
