"""`steward diagnostics summarize PATH_OR_S3_URI [--json] [--report FILE.html]`.

Streams a ``model_diagnostics_results.json.gz`` (local file or ``s3://bucket/key``) into the
summary: human-readable text by default, the contract JSON with ``--json``, and an offline HTML
report with ``--report``. Bad input exits 2 with one line on stderr; an S3 failure other than a
missing object exits 3. A local file loads no AWS SDK: only an ``s3://`` source imports the S3
adapter.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any

from model_steward.cli import summary
from model_steward.domain.diagnostics import BinaryReader, read_diagnostics
from model_steward.domain.report import render_report, render_text
from model_steward.errors import InvalidInputError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("diagnostics", help=summary("diagnostics"))
    commands = parser.add_subparsers(dest="diagnostics_command", metavar="COMMAND", required=True)
    summarize = commands.add_parser(
        "summarize",
        help="summarise a diagnostics file: events, top sensors, anomaly score",
        description="Stream a diagnostics file (gzip or not; JSON Lines or a JSON array) into a summary.",
    )
    summarize.add_argument("source", metavar="PATH_OR_S3_URI", help="a local file or s3://bucket/key")
    summarize.add_argument("--json", action="store_true", help="print the summary's JSON contract")
    summarize.add_argument("--report", metavar="FILE.html", type=Path, help="also write an HTML report")
    summarize.set_defaults(handler=run_summarize)


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); the key is taken as is (no URL decoding)."""
    rest = uri[len("s3://") :]
    bucket, _, key = rest.partition("/")
    if not bucket or not key:
        raise InvalidInputError(f"not an S3 object URI (s3://bucket/key): {uri}")
    return bucket, key


def open_source(source: str) -> AbstractContextManager[BinaryReader]:
    """A local file, or an S3 object streamed through the adapter (a missing object is exit 2,
    other S3 errors exit 3)."""
    if source.startswith("s3://"):
        from model_steward.adapters import s3

        return s3.open_object(*parse_s3_uri(source))
    try:
        local: IO[bytes] = Path(source).open("rb")  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        raise InvalidInputError(f"cannot open {source}: {exc.strerror or exc}") from exc
    return local


def run_summarize(args: argparse.Namespace) -> int:
    source: str = args.source
    try:
        with open_source(source) as stream:
            result = read_diagnostics(stream, overlap=True)  # a workstation has a core to spare
    except OSError as exc:
        raise InvalidInputError(f"cannot read {source}: {exc.strerror or exc}") from exc
    summary = result.summary
    if args.report is not None:
        title = f"Model diagnostics: {source.rstrip('/').rsplit('/', 1)[-1]}"
        html = render_report(summary, title=title, source_uri=source, series=result.series)
        try:
            args.report.write_text(html, encoding="utf-8")
        except OSError as exc:
            raise InvalidInputError(f"cannot write {args.report}: {exc.strerror or exc}") from exc
        print(f"steward: report written to {args.report}", file=sys.stderr)
    print(summary.model_dump_json(indent=2) if args.json else render_text(summary))
    return 0
