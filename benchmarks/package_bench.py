"""Lambda package size per function, unzipped and zipped (prints figures; asserts nothing).

Builds each function's package the way `make build` does (scripts/lambda_package.py, arm64,
python3.13) into benchmarks/.data/packages, then prints the unzipped size (the sum of file sizes,
as Lambda counts it), the zip `sam deploy` uploads (deflate), the file count and the largest
libraries.
Usage: python -m benchmarks.package_bench [--arch arm64]
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

from scripts import lambda_package as lp

DATA = Path(__file__).resolve().parent / ".data" / "packages"


def build_all(arch: str) -> dict[str, Path]:
    """Every function's package for ``arch``, built fresh under benchmarks/.data."""
    built = {}
    for logical_id, spec in lp.template_functions().items():
        destination = DATA / arch / logical_id
        lp.build_package(spec.handler_module, destination, arch=arch)
        built[logical_id] = destination
    return built


def zipped_bytes(package: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(package.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(package).as_posix())
    return len(buffer.getvalue())


def largest(package: Path, count: int = 4) -> list[tuple[str, int]]:
    sizes: dict[str, int] = {}
    for path in package.rglob("*"):
        if path.is_file():
            top = path.relative_to(package).parts[0].split("-")[0].removesuffix(".pyc").removesuffix(".py")
            sizes[top] = sizes.get(top, 0) + path.stat().st_size
    return sorted(sizes.items(), key=lambda item: -item[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=sorted(lp.PLATFORMS), default="arm64")
    args = parser.parse_args()

    packages = build_all(args.arch)
    limit = lp.MAX_FUNCTION_BYTES / 1e6
    print(f"Lambda packages ({args.arch}, python3.13), limit {limit:.0f} MB unzipped:")
    print(f"  {'function':<24}{'unzipped':>10}{'zipped':>10}{'files':>7}  largest parts")
    for logical_id, package in packages.items():
        files = sum(1 for p in package.rglob("*") if p.is_file())
        parts = ", ".join(f"{name} {size / 1e6:.1f}" for name, size in largest(package))
        print(
            f"  {logical_id:<24}{lp.tree_bytes(package) / 1e6:>8.1f}MB{zipped_bytes(package) / 1e6:>8.1f}MB"
            f"{files:>7}  {parts}"
        )
        problems = lp.package_problems(
            package, lp.template_functions()[logical_id].handler_module, arch=args.arch
        )
        for problem in problems:
            print(f"    ! {problem}")


if __name__ == "__main__":
    main()
