"""`steward info`: what this installation is and which AWS endpoints it would talk to."""

from __future__ import annotations

import argparse
import json
from typing import Any

from model_steward import __version__
from model_steward.adapters.aws import endpoint_overrides


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("info", help="show the version and the AWS endpoints in use")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    overrides = endpoint_overrides()
    if args.json:
        print(json.dumps({"version": __version__, "endpoint_overrides": overrides}, indent=2))
    else:
        print(f"Model Steward {__version__}")
        for service, url in sorted(overrides.items()):
            print(f"  {service:<20} {url}")
    return 0
