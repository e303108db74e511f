"""The built-package check catches what would break or bloat a function in Lambda."""

from __future__ import annotations

import py_compile
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts import lambda_package as lp

pytestmark = pytest.mark.skipif(sys.version_info[:2] != lp.RUNTIME, reason="writes python3.13 bytecode")

HANDLER = "model_steward.handler"


def _source(package: Path, relative: str, text: str) -> Path:
    path = package / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _compiled(
    source: Path, mode: py_compile.PycInvalidationMode = py_compile.PycInvalidationMode.UNCHECKED_HASH
) -> None:
    cfile = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
    py_compile.compile(str(source), cfile=str(cfile), invalidation_mode=mode, doraise=True)


def _library(package: Path, relative: str) -> None:
    """A library module shipped as bytecode only, like the packager leaves them."""
    source = _source(package, relative, "VALUE = 1\n")
    py_compile.compile(
        str(source),
        cfile=str(source.with_suffix(".pyc")),
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        doraise=True,
    )
    source.unlink()


def _distribution(package: Path, name: str, version: str) -> None:
    _source(
        package,
        f"{name}-{version}.dist-info/METADATA",
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    )


def _elf(machine: int) -> bytes:
    return b"\x7fELF" + bytes(14) + machine.to_bytes(2, "little") + bytes(44)


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A package as the packager builds it: our code with source and bytecode, the SDK as bytecode."""
    root = tmp_path / "WatchFunction"
    for relative, text in {
        "model_steward/__init__.py": "",
        "model_steward/handler.py": "import boto3\nfrom botocore.exceptions import ClientError\n"
        "import model_steward.helper\n",
        "model_steward/helper.py": "",
    }.items():
        _compiled(_source(root, relative, text))
    pins = lp.read_pins()
    for name in ("boto3", "botocore"):
        _library(root, f"{name}/__init__.py")
        _distribution(root, name, pins[name])
    for service in lp.SERVICE_MODELS:
        _source(root, f"botocore/data/{service}/2020-01-01/service-2.json.gz", "")
    _source(root, "pydantic_core/_pydantic_core.cpython-313-aarch64-linux-gnu.so", "").write_bytes(_elf(183))
    return root


def test_given_a_package_as_built_when_checked_then_nothing_is_wrong(package: Path) -> None:
    assert lp.package_problems(package, HANDLER) == []


def _without_boto3(package: Path) -> None:
    lp._remove(package / "boto3")


def _without_bytecode(package: Path) -> None:
    (package / "model_steward/__pycache__/helper.cpython-313.pyc").unlink()


def _timestamp_bytecode(package: Path) -> None:
    _compiled(package / "model_steward/helper.py", py_compile.PycInvalidationMode.TIMESTAMP)


def _oversized(package: Path) -> None:
    (package / "botocore/data/blob.bin").write_bytes(bytes(lp.MAX_FUNCTION_BYTES))


def _module_removed(package: Path) -> None:
    (package / "model_steward/helper.py").unlink()


def _library_missing(package: Path) -> None:
    _source(package, "model_steward/handler.py", "import boto3\nimport slack_sdk\n")
    _compiled(package / "model_steward/handler.py")


def _x86_library(package: Path) -> None:
    (package / "pydantic_core/_pydantic_core.cpython-313-aarch64-linux-gnu.so").write_bytes(_elf(62))


def _unpinned(package: Path) -> None:
    _distribution(package, "requests", "2.0.0")


def _service_model_removed(package: Path) -> None:
    lp._remove(package / "botocore/data/lookoutequipment")


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (_without_boto3, "botocore is bundled without boto3"),
        (_without_bytecode, "lack valid python3.13 bytecode"),
        (_timestamp_bytecode, "checked against its source"),
        (_oversized, "MB unzipped, over 15 MB"),
        (_module_removed, "imports model_steward.helper, which the package lacks"),
        (_library_missing, "imports slack_sdk, which the package lacks"),
        (_x86_library, "is not built for arm64"),
        (_unpinned, "not as pinned in functions/constraints.txt"),
        (_service_model_removed, "lacks the service models ['lookoutequipment']"),
    ],
)
def test_given_a_damaged_package_when_checked_then_the_damage_is_named(
    package: Path, damage: Callable[[Path], None], problem: str
) -> None:
    damage(package)

    problems = lp.package_problems(package, HANDLER)

    assert any(problem in p for p in problems), problems


def test_given_a_sam_build_output_when_checked_then_each_function_is_checked_under_its_logical_id(
    package: Path,
) -> None:
    build = package.parent
    (build / "template.yaml").write_text(
        "Globals:\n  Function:\n    Architectures: [arm64]\n"
        "Resources:\n"
        "  WatchFunction:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: WatchFunction, Handler: model_steward.handler.handler}\n"
        "  GoneFunction:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: GoneFunction, Handler: model_steward.handler.handler}\n"
    )

    results = lp.check_build(build)

    assert results["WatchFunction"] == []
    assert results["GoneFunction"] == [f"{build / 'GoneFunction'} does not exist"]
