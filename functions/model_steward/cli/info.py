"""`steward info`: what this installation is and where its commands would go.

    steward info [--json]

Prints the version, the AWS region the SDK resolves, the deployment the environment names
(``STEWARD_STACK``, ``STEWARD_TABLE``, ``STEWARD_TOPIC``) and the ``AWS_ENDPOINT_URL*`` overrides
in force (an emulator or a local stack, e.g. after ``source .local/env``). It calls no AWS API.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from model_steward import __version__
from model_steward.cli import summary

_DEPLOYMENT_VARIABLES = ("STEWARD_STACK", "STEWARD_TABLE", "STEWARD_TOPIC", "STEWARD_CHATBOT_TOPIC")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("info", help=summary("info"))
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def gather() -> dict[str, Any]:
    from model_steward.adapters.aws import endpoint_overrides
    from model_steward.adapters.deployment import configured_region

    return {
        "version": __version__,
        "region": configured_region(),
        "deployment": {name: os.environ[name] for name in _DEPLOYMENT_VARIABLES if os.environ.get(name)},
        "endpoint_overrides": endpoint_overrides(),
    }


def run(args: argparse.Namespace) -> int:
    shown = gather()
    if args.json:
        print(json.dumps(shown, indent=2))
        return 0
    print(f"Model Steward {shown['version']}")
    print(f"  region      {shown['region'] or 'not configured (pass --region or set AWS_DEFAULT_REGION)'}")
    deployment = shown["deployment"]
    named = ", ".join(f"{name}={value}" for name, value in deployment.items())
    print(f"  deployment  {named or 'none named (pass --stack NAME, or set STEWARD_STACK)'}")
    overrides = shown["endpoint_overrides"]
    endpoints = ", ".join(f"{service}: {url}" for service, url in sorted(overrides.items()))
    print(f"  endpoints   {endpoints or 'the AWS defaults (no AWS_ENDPOINT_URL* set)'}")
    return 0
