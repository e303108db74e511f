"""`steward import` and `steward share`: a version of another account, imported and governed here.

    steward import SOURCE_MODEL_VERSION_ARN --dataset NAME --reason TEXT [--model NAME]
        [--role ARN] [--labels s3://BUCKET/PREFIX] [--inference-data NO_IMPORT|ADD_WHEN_EMPTY|OVERWRITE]
        [--kms KEY] [--again] [--no-wait] [--wait-minutes N] [--actor NAME] [--json]
        [--stack NAME | --table NAME --topic ARN] [--region REGION]
    steward share MODEL --account ID [--yes] [--json] [--region REGION]

`import` (in the target account) checks the ARN, that the dataset exists here and that the role
does, records the import in the ledger with its lineage (source version and account, who asked,
why), and calls ImportModelVersion with a ClientToken derived from what is imported into where:
repeating the command never creates a second version. It then follows the import to its end (at
most --wait-minutes; with --no-wait, or past that, the watch follows it) and alerts on success and
on failure with the service's reason. The policy decides the imported version like any other.
An import that FAILED or was refused is asked for again only with --again.

`share` (in the source account) shows the resource policy that lets account ID import the model's
versions, then attaches it (after a yes, or with --yes); the model's other statements are kept.

Exit codes: 0 imported (or shared, or nothing to do); 1 the import failed, was refused or is not
accepted yet, or sharing was declined; 2 a bad ARN, an unknown dataset, a missing role, a bad
option; 3 an AWS error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from model_steward.cli import EXIT_REFUSED

if TYPE_CHECKING:
    from model_steward.models.imports import ImportRecord, ImportRequest

_STRATEGIES = ("NO_IMPORT", "ADD_WHEN_EMPTY", "OVERWRITE")
_ARN_FORM = "arn:aws:lookoutequipment:REGION:ACCOUNT:model/NAME/ID/model-version/N"


def register(subparsers: Any) -> None:
    from model_steward.cli import summary
    from model_steward.cli.common import add_stack_arguments

    imported = subparsers.add_parser("import", help=summary("import"))
    imported.add_argument("source", metavar="SOURCE_MODEL_VERSION_ARN", help="the version to import")
    imported.add_argument("--model", metavar="NAME", help="the model here (default: the source model's name)")
    imported.add_argument("--dataset", required=True, metavar="NAME", help="the dataset here")
    imported.add_argument("--role", metavar="ARN", help="the role Lookout for Equipment uses (label data)")
    imported.add_argument("--labels", metavar="s3://BUCKET/PREFIX", help="where the labels are")
    imported.add_argument("--inference-data", choices=_STRATEGIES, help="what to do with the inference data")
    imported.add_argument("--kms", metavar="KEY", help="the KMS key that encrypts the imported model")
    imported.add_argument("--reason", required=True, metavar="TEXT", help="why (recorded and alerted)")
    imported.add_argument("--again", action="store_true", help="ask again for an import that failed")
    imported.add_argument("--no-wait", action="store_true", help="return at once; the watch follows it")
    imported.add_argument("--wait-minutes", type=float, default=60, metavar="N", help="default 60")
    imported.add_argument("--poll-seconds", type=float, default=15, help=argparse.SUPPRESS)
    imported.add_argument("--actor", metavar="NAME", help="who asks (default: the AWS caller identity)")
    imported.add_argument("--json", action="store_true", help="machine-readable output")
    add_stack_arguments(imported, topic=True)
    imported.set_defaults(handler=run_import)

    share = subparsers.add_parser("share", help=summary("share"))
    share.add_argument("model", metavar="MODEL", help="the model, in this account")
    share.add_argument("--account", required=True, metavar="ID", help="the account that may import it")
    share.add_argument("--yes", action="store_true", help="attach the policy without asking")
    share.add_argument("--json", action="store_true", help="machine-readable output")
    share.add_argument("--region", metavar="REGION", help="the AWS region (default: the SDK's)")
    share.set_defaults(handler=run_share)


# ---------------------------------------------------------------------------------------------- import


def build_request(args: argparse.Namespace, actor: str) -> ImportRequest:
    """The import the command asks for; InvalidInputError (exit 2) naming what is wrong."""
    from pydantic import ValidationError

    from model_steward.errors import InvalidInputError
    from model_steward.models.imports import ImportRequest, LabelsLocation, SourceVersion

    source = SourceVersion.parse(args.source)
    if source is None:
        raise InvalidInputError(f"not a model version ARN: {args.source!r} (expected {_ARN_FORM})")
    if not args.reason.strip():
        raise InvalidInputError("--reason must say why")
    try:
        labels = LabelsLocation.parse(args.labels) if args.labels else None
        return ImportRequest(
            source_version_arn=source.arn,
            model_name=args.model or source.model_name,
            dataset_name=args.dataset,
            role_arn=args.role,
            labels=labels,
            inference_data=args.inference_data,
            kms_key_id=args.kms,
            reason=args.reason,
            requested_by=actor,
        )
    except ValidationError as exc:
        problem = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in problem["loc"]) or "the request"
        raise InvalidInputError(f"{where}: {problem['msg']}") from exc
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc


def describe(record: ImportRecord) -> list[str]:
    from model_steward.models.imports import ImportState

    source = record.request.source
    origin = f"{source.model_name} v{source.version} of account {source.account_id}"
    state = record.state
    if state is ImportState.REFUSED:
        return [f"{record.model_name}: import of {origin} refused: {record.last_error}"]
    if state is ImportState.REQUESTED:
        return [
            f"{record.model_name}: import of {origin} not accepted yet: {record.last_error}",
            "  recorded; run the same command again later (a deployment with an import function retries it)",
        ]
    head = f"{record.model_name} v{record.version}"
    if state is ImportState.IMPORTING:
        return [
            f"{head}: importing {origin} ({record.status})",
            f"  ClientToken {record.client_token}; the watch follows the version and the policy decides it",
        ]
    if state is ImportState.IMPORTED:
        size = f", {record.imported_data_bytes:,} bytes" if record.imported_data_bytes is not None else ""
        return [
            f"{head}: imported {origin} (SUCCESS{size})",
            "  the promotion policy decides it at the next watch tick (steward history shows its lineage)",
        ]
    reason = f": {record.failed_reason}" if record.failed_reason else ""
    return [f"{head}: import of {origin} ended {record.status}{reason}"]


def run_import(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from model_steward.adapters.iam import IamRoles
    from model_steward.adapters.lookout_imports import LookoutImports
    from model_steward.cli.common import operator_name, print_json, resolve_target
    from model_steward.models.imports import ImportState
    from model_steward.service.imports import ImportService

    request = build_request(args, actor=args.actor or "operator")  # bad input stops here, offline
    target = resolve_target(args, need_topic=True)
    request = request.model_copy(update={"requested_by": operator_name(args.actor)})
    ledger = target.ledger()
    service = ImportService(
        ledger=ledger,
        registry=target.registry(),
        imports=LookoutImports(),
        alerter=target.alerter(ledger),
        roles=IamRoles(),
    )
    service.check(request)
    record = service.request(request, datetime.now(UTC), again=args.again)
    if record.state is ImportState.IMPORTING and not args.no_wait:
        if not args.json:
            print("\n".join(describe(record)))
            limit = f"at most {args.wait_minutes:g} min; --no-wait leaves it to the watch"
            print(f"  waiting for the import to end ({limit})")
            sys.stdout.flush()
        record = service.wait(
            record,
            now=lambda: datetime.now(UTC),
            timeout=timedelta(minutes=args.wait_minutes),
            poll_seconds=args.poll_seconds,
        )
    if args.json:
        print_json(record.model_dump(mode="json"))
    else:
        print("\n".join(describe(record)))
    return 0 if record.state in (ImportState.IMPORTING, ImportState.IMPORTED) else 1


# ---------------------------------------------------------------------------------------------- share


def run_share(args: argparse.Namespace) -> int:
    import re

    from model_steward.adapters.lookout_imports import LookoutImports
    from model_steward.cli.common import apply_region, print_json
    from model_steward.errors import InvalidInputError
    from model_steward.service.imports import apply_share, plan_share

    if not re.fullmatch(r"[0-9]{12}", args.account):
        raise InvalidInputError(f"--account must be a 12-digit AWS account ID, not {args.account!r}")
    apply_region(args)
    imports = LookoutImports()
    plan = plan_share(imports, args.model, args.account)
    text = json.dumps(plan.policy, indent=2)
    if plan.unchanged:
        if args.json:
            print_json({"model_arn": plan.model_arn, "policy": plan.policy, "changed": False})
        else:
            print(f"{args.model}: account {args.account} may already import its versions; nothing to do")
        return 0
    if not args.json:
        print(f"The resource policy of {plan.model_arn} would become:\n{text}")
    if not args.yes:
        answer = input(f"Attach it, so that account {args.account} may import {args.model}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing changed")
            return EXIT_REFUSED
    revision = apply_share(imports, plan)
    if args.json:
        print_json(
            {"model_arn": plan.model_arn, "policy": plan.policy, "changed": True, "revision": revision}
        )
    else:
        print(f"{args.model}: account {args.account} may import its versions (policy revision {revision})")
    return 0


# ---------------------------------------------------------------------------------------------- history


def history_imports(ledger: Any, model_name: str) -> list[dict[str, Any]]:
    """Every import into the model, for `steward history` (its lineage and the source decision)."""
    return [record.model_dump(mode="json") for record in ledger.imports_of(model_name)]


def history_lines(version: int | None, imports: list[dict[str, Any]]) -> list[str]:
    """What `steward history` shows of the imports of one version (None: imports with no version)."""
    lines = []
    for item in imports:
        if item.get("version") != version:
            continue
        request = item["request"]
        indent = "    " if version is not None else "  "
        lead = "imported from" if version is not None else f"{item['state']}: import of"
        lines.append(
            f"{indent}{lead} {request['source_version_arn']} (account {item['source_account']}), "
            f"asked by {request['requested_by']}: {request['reason']}"
        )
        decision = request.get("source_decision")
        if decision:
            where = f" in {decision['environment']}" if decision.get("environment") else ""
            fingerprints = (
                f"decision {decision['decision_fingerprint']}, policy {decision['policy_fingerprint']}"
            )
            outcome = f"{decision['outcome']}{where}"
            lines.append(f"{indent}source decision: {outcome} ({fingerprints}): {decision['summary']}")
        if item.get("last_error") and item["state"] in ("REFUSED", "REQUESTED"):
            lines.append(f"{indent}service: {item['last_error']}")
    return lines
