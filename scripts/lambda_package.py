"""Lambda packages: each function gets what its handler imports and nothing else.

`make build` runs `sam build`; each function's ``Metadata: BuildMethod: makefile`` makes SAM run
``functions/Makefile``, which runs ``python -m scripts.lambda_package build <LogicalId> <dir>``:

1. The handler's import closure is read from the sources (``ast``: every ``import`` statement,
   including those inside functions; ``if TYPE_CHECKING:`` blocks are skipped). Our modules in
   the closure are copied; the other top-level names are mapped to the distributions providing
   them, which are installed as ``functions/requirements.txt`` says (version, extras), pinned by
   ``functions/constraints.txt`` (the lock; ``make lock`` regenerates it).
2. Wheels are installed for the Lambda runtime whatever machine builds: CPython 3.13 on
   manylinux aarch64, binary wheels only.
3. boto3 and botocore are bundled together and pinned, never botocore alone; botocore's service
   models are trimmed to ``SERVICE_MODELS`` (the services the product calls).
4. Toolkits the functions use a small part of (``PRUNED_PACKAGES``) keep only the modules the
   handler's import closure reaches through them.
5. Bytecode is compiled by python3.13 with ``unchecked-hash`` invalidation: Lambda's code
   directory is read-only and zip timestamps do not match the sources', so timestamp-checked
   ``.pyc`` would be ignored and every cold start would compile from source. Our modules ship
   source and bytecode (readable tracebacks); libraries ship bytecode only.

``check [build dir]`` verifies a ``sam build`` output (size, bytecode, SDK, imports, native
wheels); ``lock`` pins what ``functions/requirements.txt`` resolves to.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
TEMPLATE = ROOT / "template.yaml"
REQUIREMENTS = FUNCTIONS / "requirements.txt"
CONSTRAINTS = FUNCTIONS / "constraints.txt"

FIRST_PARTY = "model_steward"
RUNTIME = (3, 13)
# CPython 3.13's bytecode magic number (importlib.util.MAGIC_NUMBER under 3.13).
PY313_MAGIC = (3571).to_bytes(2, "little") + b"\r\n"
PYC_UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source never checked
# Amazon Linux 2023 (the python3.13 runtime) has glibc 2.34: manylinux2014 and _2_28 wheels run.
PLATFORMS = {
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
}
ELF_MACHINE = {"arm64": 183, "x86_64": 62}  # e_machine: EM_AARCH64, EM_X86_64
MAX_FUNCTION_BYTES = 15_000_000
LAMBDA_TASK_ROOT = "/var/task"  # where Lambda unpacks a function's code
# The AWS services the functions call (boto3 clients and resources, Powertools parameters), and STS
# for credential providers. botocore has about 440 (25 MB of models).
SERVICE_MODELS = frozenset(
    {
        "dynamodb",
        "events",
        "iam",
        "iotsitewise",
        "lookoutequipment",
        "s3",
        "secretsmanager",
        "sns",
        "sqs",
        "ssm",
        "sts",
    }
)
# Toolkits of many independent features, imported statically: only the modules a handler's import
# closure reaches through them are kept (a reached module that imports by name keeps its whole
# directory). Libraries that import their own modules by name (pydantic, botocore) stay whole.
PRUNED_PACKAGES = {
    "aws_lambda_powertools": "the functions use logging, metrics, tracing, batch, parameters and "
    "event classes, not the API routers, idempotency, parser, feature flags, data masking...",
    "slack_sdk": "the notifier posts to an incoming webhook: no Socket Mode, OAuth, SCIM, "
    "audit logs, RTM or async clients",
}
# Files no function reads: build leftovers, type stubs, package records, web assets (the Swagger
# UI of Powertools' API routers).
_UNUSED_SUFFIXES = {".c", ".h", ".pyi", ".pyx", ".js", ".css", ".map"}
# Parts of whole-kept libraries that nothing at run time imports: pydantic's copy of its version 1
# API (imported only as ``pydantic.v1``, which no module of ours does; a test checks) and its mypy
# plugin (a type checker's, never the runtime's).
UNUSED_LIBRARY_PATHS = ("pydantic/v1", "pydantic/mypy.py")
_SDK = ("boto3", "botocore")
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}
_GZIP_DATA_OVER_BYTES = 64_000  # botocore reads data/*.json.gz as readily as data/*.json


class PackagingError(Exception):
    """A function cannot be packaged as asked (an import nothing provides, a missing pin...)."""


# ---------------------------------------------------------------------------------------------
# What a handler imports.


def module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(k, ast.Name) and k.id in _IMPORT_ERRORS for k in kinds)


@dataclass
class _ImportVisitor(ast.NodeVisitor):
    """Every name one module imports: (name, certainly a module, optional)."""

    module: str
    is_package: bool
    found: list[tuple[str, bool, bool]] = field(default_factory=list)
    by_name: list[int] = field(default_factory=list)  # lines importing a module named at run time
    _optional: int = 0

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        guarded = any(_catches_import_error(h) for h in node.handlers)
        self._optional += guarded
        for child in node.body:
            self.visit(child)
        self._optional -= guarded
        for handler in node.handlers:
            self.visit(handler)
        for child in [*node.orelse, *node.finalbody]:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend((alias.name, True, self._optional > 0) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.module.split(".")
            package = parts if self.is_package else parts[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        self.found.append((base, True, self._optional > 0))
        # ``from package import name``: name is a submodule or an attribute.
        self.found.extend((f"{base}.{alias.name}", False, self._optional > 0) for alias in node.names)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in {"import_module", "__import__", "LazyLoader"}:
            self.by_name.append(node.lineno)
        self.generic_visit(node)


@dataclass(frozen=True)
class Closure:
    """What importing ``start`` can import: the modules followed, and the top-level names not."""

    modules: dict[str, Path]
    missing: frozenset[str]  # followed, imported as modules, not found
    external: frozenset[str]  # top-level names not followed, imported unconditionally
    optional: frozenset[str]  # top-level names not followed, imported under ``except ImportError``
    by_name: frozenset[str]  # modules that import a module named at run time


def import_closure(
    start: str,
    root: Path,
    *,
    follow: Callable[[str], bool] = lambda top: top == FIRST_PARTY,
    reference: Path | None = FUNCTIONS,
) -> Closure:
    """Every module reachable from ``start`` through the top-level packages ``follow`` accepts.

    ``from package import name`` counts ``name`` as a module when it is one under ``root`` or
    under ``reference`` (the repository's sources), so a package that lacks it is caught.
    """
    stdlib = sys.stdlib_module_names | {"__future__"}
    modules: dict[str, Path] = {}
    missing: set[str] = set()
    external: set[str] = set()
    optional: set[str] = set()
    by_name: set[str] = set()
    queue = [(start, True)]
    while queue:
        module, required = queue.pop()
        if module in modules or module in missing:
            continue
        path = module_file(root, module)
        if path is None:
            if required:
                missing.add(module)
            continue
        modules[module] = path
        parts = module.split(".")
        queue.extend((".".join(parts[:i]), True) for i in range(1, len(parts)))  # parent packages
        visitor = _ImportVisitor(module, is_package=path.name == "__init__.py")
        try:
            visitor.visit(ast.parse(path.read_bytes(), str(path)))
        except SyntaxError:
            by_name.add(module)  # unreadable here: treat it as importing anything
            continue
        if visitor.by_name:
            by_name.add(module)
        for name, is_module, is_optional in visitor.found:
            top = name.split(".")[0]
            if not top or top in stdlib:
                continue
            if follow(top):
                known = module_file(root, name) or (reference and module_file(reference, name))
                if is_module or known:
                    queue.append((name, not is_optional))
            else:
                (optional if is_optional else external).add(top)
    return Closure(
        modules=modules,
        missing=frozenset(missing),
        external=frozenset(external),
        optional=frozenset(optional - external),
        by_name=frozenset(by_name),
    )


def handler_imports(handler_module: str, root: Path = FUNCTIONS) -> Closure:
    """Our modules the handler imports, and the top-level names of everything else it imports."""
    closure = import_closure(handler_module, root)
    ours_by_name = sorted(m for m in closure.by_name if m.split(".")[0] == FIRST_PARTY)
    if ours_by_name:
        raise PackagingError(
            f"{ours_by_name[0]} imports a module named at run time: the package cannot be derived "
            "from its imports; import the module explicitly"
        )
    return closure


# ---------------------------------------------------------------------------------------------
# Which distributions provide it, and how they are pinned.


def read_requirements(path: Path = REQUIREMENTS) -> dict[str, Requirement]:
    """``functions/requirements.txt``: canonical name -> requirement (exact pin, extras)."""
    requirements: dict[str, Requirement] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            requirements[canonicalize_name(requirement.name)] = requirement
    return requirements


def read_pins(path: Path = CONSTRAINTS) -> dict[str, str]:
    """``functions/constraints.txt``: canonical name -> exact version."""
    pins: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def distributions_for(
    imports: Closure,
    requirements: dict[str, Requirement],
    providers: dict[str, list[str]] | None = None,
) -> list[Requirement]:
    """The requirements that provide what ``imports`` needs (boto3 and botocore always together).

    ``providers`` maps top-level import names to distributions (by default, what is installed).
    """
    providers = providers if providers is not None else dict(importlib.metadata.packages_distributions())
    needed: set[str] = set()
    for top in sorted(imports.external | imports.optional):
        names = {canonicalize_name(d) for d in providers.get(top, [])}
        listed = names & requirements.keys()
        if listed:
            needed |= listed
        elif top in imports.external:
            known = ", ".join(sorted(names)) or "no installed distribution"
            raise PackagingError(
                f"the handler imports {top} ({known}), which functions/requirements.txt does not list"
            )
    if needed & set(_SDK):
        missing = [name for name in _SDK if name not in requirements]
        if missing:
            raise PackagingError(f"boto3 and botocore are bundled together: pin {missing} too")
        needed |= set(_SDK)
    return [requirements[name] for name in sorted(needed)]


# ---------------------------------------------------------------------------------------------
# Building.


def _pip_target_args(arch: str) -> list[str]:
    platforms = [arg for platform in PLATFORMS[arch] for arg in ("--platform", platform)]
    return [
        *platforms,
        "--only-binary=:all:",
        "--python-version",
        "{}.{}".format(*RUNTIME),
        "--implementation",
        "cp",
    ]


def runtime_python() -> str:
    """A python3.13 to compile bytecode with (the bytecode format is per minor version)."""
    if sys.version_info[:2] == RUNTIME:
        return sys.executable
    found = shutil.which("python{}.{}".format(*RUNTIME))
    if not found:
        raise PackagingError("python3.13 (the Lambda runtime) is needed to compile the bytecode")
    return found


def _pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args], check=True
    )


def _install(requirements: list[Requirement], target: Path, arch: str) -> None:
    if not requirements:
        return
    listed = target.parent / "requirements.txt"
    listed.write_text("".join(f"{r}\n" for r in requirements))
    _pip(
        "--no-compile",
        "--target",
        str(target),
        *_pip_target_args(arch),
        "-r",
        str(listed),
        "-c",
        str(CONSTRAINTS),
    )


def _remove(path: Path) -> None:
    shutil.rmtree(path) if path.is_dir() else path.unlink()


def _trim(target: Path) -> None:
    """Remove what no function reads: scripts, stubs, C sources, records, unused service models."""
    unused = [target / part for part in UNUSED_LIBRARY_PATHS]
    for path in [target / "bin", *target.glob("*-stubs"), *target.glob("*.dist-info/RECORD"), *unused]:
        if path.exists():
            _remove(path)
    for path in [*target.glob("*.dist-info/sboms"), *target.rglob("__pycache__")]:
        shutil.rmtree(path, ignore_errors=True)
    for path in list(target.rglob("*")):
        if path.is_file() and path.suffix in _UNUSED_SUFFIXES:
            path.unlink()
    for data in (target / "botocore" / "data", target / "boto3" / "data"):
        if not data.is_dir():
            continue
        for service in data.iterdir():
            if service.is_dir() and service.name not in SERVICE_MODELS:
                shutil.rmtree(service)
        for examples in data.glob("*/*/examples-1.json"):
            examples.unlink()  # documentation examples; clients never load them
        for document in data.rglob("*.json"):
            if document.stat().st_size > _GZIP_DATA_OVER_BYTES:
                document.with_name(document.name + ".gz").write_bytes(
                    gzip.compress(document.read_bytes(), mtime=0)
                )
                document.unlink()


def _prune(target: Path, handler_module: str) -> None:
    """Keep in ``PRUNED_PACKAGES`` only what the handler's import closure reaches."""
    closure = import_closure(handler_module, target, follow=lambda top: True, reference=None)
    reached = set(closure.modules.values())
    whole = [closure.modules[m].parent for m in closure.by_name]
    for package in PRUNED_PACKAGES:
        top = target / package
        if not top.is_dir():
            continue
        kept = [d for d in whole if d == top or top in d.parents]
        for path in list(top.rglob("*.py")):
            if path not in reached and not any(d == path.parent or d in path.parents for d in kept):
                path.unlink()
        # Data files stay only beside a kept module.
        module_dirs = {p.parent for p in top.rglob("*.py")}
        for path in list(top.rglob("*")):
            if path.is_file() and path.suffix != ".py" and path.parent not in module_dirs:
                path.unlink()
        for path in sorted(top.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()


def _compile(target: Path) -> None:
    """Bytecode for python3.13, valid without its source: libraries lose their sources."""
    command = [runtime_python(), "-m", "compileall", "-q", "-j0", "--invalidation-mode", "unchecked-hash"]
    command += ["-s", str(target), "-p", LAMBDA_TASK_ROOT]  # tracebacks name the files where Lambda has them
    libraries = [
        str(p) for p in target.iterdir() if p.name != FIRST_PARTY and (p.is_dir() or p.suffix == ".py")
    ]
    if libraries:
        subprocess.run([*command, "-b", *libraries], check=True, stdout=subprocess.DEVNULL)
        for source in target.rglob("*.py"):
            if source.relative_to(target).parts[0] != FIRST_PARTY:
                source.unlink()
    if (target / FIRST_PARTY).is_dir():
        subprocess.run([*command, str(target / FIRST_PARTY)], check=True, stdout=subprocess.DEVNULL)


def build_package(
    handler_module: str,
    destination: Path,
    *,
    arch: str = "arm64",
    requirements: dict[str, Requirement] | None = None,
) -> Closure:
    """Install what ``handler_module`` imports into ``destination`` (emptied first), as
    ``requirements`` (by default functions/requirements.txt) says."""
    imports = handler_imports(handler_module)
    if imports.missing:
        raise PackagingError(f"{handler_module} imports modules that do not exist: {sorted(imports.missing)}")
    needed = distributions_for(imports, requirements if requirements is not None else read_requirements())
    with tempfile.TemporaryDirectory(prefix="steward-package-") as scratch:
        staging = Path(scratch) / "package"
        staging.mkdir()
        _install(needed, staging, arch)
        for source in imports.modules.values():
            copy = staging / source.relative_to(FUNCTIONS)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
        _trim(staging)
        _prune(staging, handler_module)
        _compile(staging)
        destination.mkdir(parents=True, exist_ok=True)
        for old in destination.iterdir():
            _remove(old)
        for item in staging.iterdir():
            shutil.move(str(item), destination / item.name)
    return imports


def lock(path: Path = CONSTRAINTS, arch: str = "arm64") -> list[str]:
    """Resolve ``functions/requirements.txt`` for the Lambda runtime and pin every distribution."""
    with tempfile.TemporaryDirectory(prefix="steward-lock-") as scratch:
        report = Path(scratch) / "report.json"
        target = Path(scratch) / "target"
        _pip("--dry-run", "--ignore-installed", "--report", str(report), "--target", str(target),
             *_pip_target_args(arch), "-r", str(REQUIREMENTS))  # fmt: skip
        resolved = json.loads(report.read_text())["install"]
    pins = sorted(f"{canonicalize_name(i['metadata']['name'])}=={i['metadata']['version']}" for i in resolved)
    path.write_text(
        "# Every distribution the Lambda functions may bundle, pinned for python3.13 on arm64.\n"
        "# Generated from requirements.txt by `make lock`; do not edit by hand.\n"
        + "".join(f"{p}\n" for p in pins)
    )
    return pins


# ---------------------------------------------------------------------------------------------
# Checking a built package.


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _distributions_in(package: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for info in package.glob("*.dist-info"):
        metadata = importlib.metadata.PathDistribution(info).metadata
        found[canonicalize_name(metadata["Name"])] = metadata["Version"]
    return found


def _importable(package: Path, top: str) -> bool:
    return (
        (package / top).is_dir()
        or (package / f"{top}.py").is_file()
        or (package / f"{top}.pyc").is_file()
        or any(package.glob(f"{top}.*.so"))
    )


def _bytecode_problems(package: Path) -> Iterator[str]:
    tag = "cpython-{}{}".format(*RUNTIME)
    sources = sorted(p for p in package.rglob("*.py") if p.is_file())
    compiled = [p.parent / "__pycache__" / f"{p.stem}.{tag}.pyc" for p in sources]
    sourceless = sorted(p for p in package.rglob("*.pyc") if p.parent.name != "__pycache__")
    if not sources and not sourceless:
        yield "no Python modules"
    wrong = []
    for source, pyc in zip(sources, compiled, strict=True):
        if not pyc.is_file():
            wrong.append(f"{source.relative_to(package)} has no {tag} bytecode")
            continue
        header = pyc.read_bytes()[:8]
        if header[:4] != PY313_MAGIC:
            wrong.append(f"{pyc.relative_to(package)} is not python3.13 bytecode")
        elif int.from_bytes(header[4:8], "little") != PYC_UNCHECKED_HASH:
            wrong.append(f"{pyc.relative_to(package)} is checked against its source's timestamp or hash")
    wrong.extend(
        f"{pyc.relative_to(package)} is not python3.13 bytecode"
        for pyc in sourceless
        if pyc.read_bytes()[:4] != PY313_MAGIC
    )
    if wrong:
        yield f"{len(wrong)} modules lack valid python3.13 bytecode, e.g. {wrong[0]}"


def _native_problems(package: Path, arch: str) -> Iterator[str]:
    tag = "cpython-{}{}".format(*RUNTIME)
    for library in sorted(package.rglob("*.so")):
        header = library.read_bytes()[:20]
        machine = int.from_bytes(header[18:20], "little") if header[:4] == b"\x7fELF" else None
        if machine != ELF_MACHINE[arch]:
            yield f"{library.relative_to(package)} is not built for {arch}"
        if ".cpython-" in library.name and f".{tag}-" not in library.name:
            yield f"{library.relative_to(package)} is not built for python3.13"


def _sdk_problems(package: Path, bundled: dict[str, str]) -> Iterator[str]:
    present = [name for name in _SDK if _importable(package, name)]
    if len(present) == 1:
        yield f"{present[0]} is bundled without {next(n for n in _SDK if n not in present)}"
    if len(present) == len(_SDK):
        versions = {name: bundled.get(name) for name in _SDK}
        if len(set(versions.values())) != 1:
            yield f"boto3 and botocore are not the same release: {versions}"
        absent = sorted(s for s in SERVICE_MODELS if not (package / "botocore" / "data" / s).is_dir())
        if absent:
            yield f"botocore lacks the service models {absent}"


def package_problems(package: Path, handler_module: str, *, arch: str = "arm64") -> list[str]:
    """What is wrong with one function's built package (nothing, when it is fine)."""
    if not package.is_dir():
        return [f"{package} does not exist"]
    problems = []
    size = tree_bytes(package)
    if size > MAX_FUNCTION_BYTES:
        problems.append(f"{size / 1e6:.1f} MB unzipped, over {MAX_FUNCTION_BYTES / 1e6:.0f} MB")
    problems.extend(_bytecode_problems(package))
    problems.extend(_native_problems(package, arch))
    bundled = _distributions_in(package)
    problems.extend(_sdk_problems(package, bundled))
    pins = read_pins()
    unpinned = sorted(f"{n} {v}" for n, v in bundled.items() if pins.get(n) != v)
    if unpinned:
        problems.append(f"bundled but not as pinned in functions/constraints.txt: {unpinned}")
    # Read from the shipped sources of our modules: a module the handler needs and the package
    # lacks shows up as missing (ours) or not importable (theirs).
    try:
        imports = handler_imports(handler_module, root=package)
    except PackagingError as exc:
        return [*problems, str(exc)]
    problems.extend(f"imports {m}, which the package lacks" for m in sorted(imports.missing))
    problems.extend(
        f"imports {top}, which the package lacks"
        for top in sorted(imports.external)
        if not _importable(package, top)
    )
    return problems


def _load_template(path: Path) -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    template: dict[str, Any] = yaml_parse(path.read_text())
    return template


@dataclass(frozen=True)
class FunctionSpec:
    code_uri: str
    handler_module: str
    arch: str


def template_functions(template_path: Path = TEMPLATE) -> dict[str, FunctionSpec]:
    """Each function in a template, by logical id (Globals applied)."""
    template = _load_template(template_path)
    defaults = template.get("Globals", {}).get("Function", {})
    functions = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::Serverless::Function":
            properties = {**defaults, **resource.get("Properties", {})}
            functions[logical_id] = FunctionSpec(
                code_uri=str(properties["CodeUri"]),
                handler_module=str(properties["Handler"]).rpartition(".")[0],
                arch=str((properties.get("Architectures") or ["x86_64"])[0]),
            )
    return functions


def check_build(build_dir: Path) -> dict[str, list[str]]:
    """``package_problems`` for every function of a ``sam build`` output."""
    template = build_dir / "template.yaml"
    if not template.is_file():
        return {str(build_dir): ["no template.yaml: run `make build` first"]}
    functions = template_functions(template)
    if not functions:
        return {str(build_dir): ["the built template has no functions"]}
    return {
        name: package_problems(build_dir / spec.code_uri, spec.handler_module, arch=spec.arch)
        for name, spec in functions.items()
    }


# ---------------------------------------------------------------------------------------------
# Command line.


def _report(results: dict[str, list[str]]) -> int:
    for name, problems in results.items():
        print(f"{name}: {'FAILED' if problems else 'ok'}", file=sys.stderr if problems else sys.stdout)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
    return 1 if any(results.values()) else 0


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.lambda_package", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="package one function (what functions/Makefile runs)")
    build.add_argument("function", help="the function's logical id in template.yaml")
    build.add_argument("destination", type=Path)
    build.add_argument("--arch", choices=sorted(PLATFORMS), help="default: the function's Architectures")
    check = commands.add_parser("check", help="check every function of a sam build output")
    check.add_argument("build_dir", type=Path, nargs="?", default=ROOT / ".aws-sam" / "build")
    commands.add_parser(
        "lock", help="pin what functions/requirements.txt resolves to (functions/constraints.txt)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        if args.command == "build":
            functions = template_functions()
            if args.function not in functions:
                raise PackagingError(f"{args.function} is not a function in {TEMPLATE.name}")
            spec = functions[args.function]
            arch = args.arch or spec.arch
            build_package(spec.handler_module, args.destination, arch=arch)
            return _report(
                {args.function: package_problems(args.destination, spec.handler_module, arch=arch)}
            )
        if args.command == "check":
            return _report(check_build(args.build_dir))
        for pin in lock():
            print(pin)
    except PackagingError as exc:
        print(f"lambda_package: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
