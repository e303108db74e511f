"""What each function bundles is derived from what its handler imports, and pinned in one place."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import botocore.session
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from scripts import lambda_package as lp
from tests.helpers import ROOT


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def distributions(logical_id: str) -> set[str]:
    module = lp.template_functions()[logical_id].handler_module
    requirements = lp.distributions_for(lp.handler_imports(module), lp.read_requirements())
    return {canonicalize_name(r.name) for r in requirements}


# ---------------------------------------------------------------------------------------------
# The real handlers.


def test_every_function_in_the_template_is_built_by_the_makefile_for_arm64() -> None:
    functions = lp.template_functions()
    template = lp._load_template(lp.TEMPLATE)

    assert set(functions) == {
        "WatchFunction",
        "EvaluateFunction",
        "DiagnosticsFunction",
        "SlackNotifierFunction",
        "ImportFunction",
    }
    for logical_id, spec in functions.items():
        assert template["Resources"][logical_id]["Metadata"]["BuildMethod"] == "makefile"
        assert spec.arch == "arm64"
        assert spec.code_uri == "functions/"


@pytest.mark.parametrize("logical_id", sorted(lp.template_functions()))
def test_every_handler_import_is_provided_by_a_pinned_requirement(logical_id: str) -> None:
    module = lp.template_functions()[logical_id].handler_module

    imports = lp.handler_imports(module)
    needed = distributions(logical_id)

    assert not imports.missing
    assert module in imports.modules
    assert {"boto3", "botocore"} <= needed  # the functions call AWS: the SDK ships, whole


def test_only_the_slack_notifier_bundles_slack_sdk_and_only_diagnostics_msgspec_and_isal() -> None:
    assert "slack-sdk" in distributions("SlackNotifierFunction")
    assert {"msgspec", "isal"} <= distributions("DiagnosticsFunction")
    for logical_id in ("WatchFunction", "EvaluateFunction", "SlackNotifierFunction"):
        assert not {"msgspec", "isal"} & distributions(logical_id)
    for logical_id in ("WatchFunction", "EvaluateFunction", "DiagnosticsFunction"):
        assert "slack-sdk" not in distributions(logical_id)


def test_a_handler_does_not_carry_the_cli_or_the_other_handlers() -> None:
    modules = lp.handler_imports("model_steward.handlers.watch").modules

    assert not [m for m in modules if m.startswith("model_steward.cli")]
    assert not [
        m for m in modules if m.startswith("model_steward.handlers.") and m.endswith("slack_notifier")
    ]


# ---------------------------------------------------------------------------------------------
# The import analysis on small trees.


def test_given_imports_of_every_kind_when_analysed_then_the_closure_follows_ours_and_names_theirs(
    tmp_path: Path,
) -> None:
    write(tmp_path, "model_steward/__init__.py", "")
    write(tmp_path, "model_steward/handlers/__init__.py", "")
    write(
        tmp_path,
        "model_steward/handlers/h.py",
        "from __future__ import annotations\n"
        "import json\n"
        "from typing import TYPE_CHECKING\n"
        "from ..adapters import store\n"
        "from model_steward.models.shapes import Shape\n"
        "if TYPE_CHECKING:\n"
        "    from mypy_boto3_s3 import S3Client\n"
        "try:\n"
        "    import isal\n"
        "except ImportError:\n"
        "    isal = None\n"
        "def later():\n"
        "    import slack_sdk.webhook\n",
    )
    write(tmp_path, "model_steward/adapters/__init__.py", "")
    write(
        tmp_path,
        "model_steward/adapters/store.py",
        "import boto3\nfrom botocore.exceptions import ClientError\n",
    )
    write(tmp_path, "model_steward/models/__init__.py", "")
    write(tmp_path, "model_steward/models/shapes.py", "import pydantic\nShape = 1\n")

    imports = lp.handler_imports("model_steward.handlers.h", root=tmp_path)

    assert set(imports.modules) == {
        "model_steward",
        "model_steward.handlers",
        "model_steward.handlers.h",
        "model_steward.adapters",
        "model_steward.adapters.store",
        "model_steward.models",
        "model_steward.models.shapes",
    }
    assert imports.external == {"boto3", "botocore", "pydantic", "slack_sdk"}
    assert imports.optional == {"isal"}
    assert not imports.missing


def test_given_an_import_of_a_module_that_is_gone_when_analysed_then_it_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "model_steward/__init__.py", "")
    write(
        tmp_path, "model_steward/h.py", "from model_steward import gone\nfrom model_steward.other import x\n"
    )

    closure = lp.import_closure("model_steward.h", tmp_path, reference=None)

    assert closure.missing == {"model_steward.other"}  # `gone` may be an attribute: only a module counts


def test_given_a_package_lacking_a_module_the_sources_have_when_checked_then_it_is_missing(
    tmp_path: Path,
) -> None:
    source, built = tmp_path / "source", tmp_path / "built"
    for root in (source, built):
        write(root, "model_steward/__init__.py", "")
        write(root, "model_steward/h.py", "from model_steward import helper\n")
    write(source, "model_steward/helper.py", "")

    closure = lp.import_closure("model_steward.h", built, reference=source)

    assert closure.missing == {"model_steward.helper"}


def test_given_an_import_by_name_in_our_code_when_deriving_then_packaging_refuses(tmp_path: Path) -> None:
    write(tmp_path, "model_steward/__init__.py", "")
    write(tmp_path, "model_steward/h.py", "import importlib\nimportlib.import_module('model_steward.x')\n")

    with pytest.raises(lp.PackagingError, match="named at run time"):
        lp.handler_imports("model_steward.h", root=tmp_path)


def test_given_an_import_no_requirement_provides_when_deriving_then_packaging_says_which() -> None:
    closure = lp.Closure(
        modules={},
        missing=frozenset(),
        external=frozenset({"requests"}),
        optional=frozenset(),
        by_name=frozenset(),
    )

    with pytest.raises(lp.PackagingError, match="requests"):
        lp.distributions_for(closure, lp.read_requirements(), providers={"requests": ["requests"]})


def test_given_only_botocore_imported_when_deriving_then_boto3_is_bundled_with_it() -> None:
    closure = lp.Closure(
        modules={},
        missing=frozenset(),
        external=frozenset({"botocore"}),
        optional=frozenset(),
        by_name=frozenset(),
    )

    needed = lp.distributions_for(closure, lp.read_requirements(), providers={"botocore": ["botocore"]})

    assert {r.name for r in needed} == {"boto3", "botocore"}


def test_given_an_optional_import_nobody_pins_when_deriving_then_it_is_left_out() -> None:
    closure = lp.Closure(
        modules={},
        missing=frozenset(),
        external=frozenset(),
        optional=frozenset({"zlib_ng"}),
        by_name=frozenset(),
    )

    assert lp.distributions_for(closure, lp.read_requirements(), providers={"zlib_ng": ["zlib_ng"]}) == []


# ---------------------------------------------------------------------------------------------
# Pins.


def test_every_bundled_requirement_is_pinned_exactly_and_locked_at_that_version() -> None:
    requirements = lp.read_requirements()
    pins = lp.read_pins()

    for name, requirement in requirements.items():
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{name} is not pinned exactly"
        assert pins[name] == specifier.version, f"{name}: requirements.txt and constraints.txt disagree"
    assert pins["boto3"] == pins["botocore"], "boto3 and botocore ship as one release"


def test_every_bundled_requirement_is_a_dependency_of_the_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}

    assert set(lp.read_requirements()) <= declared


# ---------------------------------------------------------------------------------------------
# Service models.


def _services_named_in_functions() -> set[str]:
    """Service names the functions' modules pass to client()/resource() factories, and those the
    Powertools utilities they use call."""
    implied = {
        "get_parameter": "ssm",
        "SSMProvider": "ssm",
        "get_secret": "secretsmanager",
        "SecretsProvider": "secretsmanager",
    }
    files = {
        path
        for spec in lp.template_functions().values()
        for path in lp.handler_imports(spec.handler_module).modules.values()
    }
    services = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0] if node.args else None
            if name in {"client", "resource", "_client", "_resource"} and isinstance(first, ast.Constant):
                services.add(str(first.value))
            if name in implied:
                services.add(implied[name])
    return services


def test_every_service_the_code_calls_has_its_model_bundled() -> None:
    named = _services_named_in_functions()

    assert {"lookoutequipment", "dynamodb", "s3", "sns", "sqs"} <= named  # the scan finds the clients
    assert named <= lp.SERVICE_MODELS


def test_every_bundled_service_model_is_a_botocore_service() -> None:
    available = set(botocore.session.get_session().get_available_services())

    assert available >= lp.SERVICE_MODELS


def test_what_packaging_leaves_out_of_whole_libraries_is_never_imported_by_our_code() -> None:
    """pydantic's v1 copy and mypy plugin are removed from every package: no module of ours may
    import them (the handlers' closures reach only our own modules' imports)."""
    for source in lp.FUNCTIONS.rglob("*.py"):
        tree = ast.parse(source.read_text(), filename=str(source))
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [f"{node.module}.{alias.name}" for alias in node.names]
                if isinstance(node, ast.ImportFrom) and node.module
                else []
            )
            for name in names:
                for unused in lp.UNUSED_LIBRARY_PATHS:
                    dotted = unused.removesuffix(".py").replace("/", ".")
                    assert name != dotted, f"{source}: {name}"
                    assert not name.startswith(dotted + "."), f"{source}: {name}"
