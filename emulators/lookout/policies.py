"""Resource-based policies of models (PutResourcePolicy) and how the emulator reads them.

A model's policy says which other accounts (or roles) may import its versions. The emulator accepts
an IAM policy document (``Version`` and ``Statement``; each statement with ``Effect``, ``Principal``,
``Action`` and ``Resource``) and refuses anything else with ``ValidationException``, naming the
problem. An import from another account is allowed when a statement allows
``lookoutequipment:ImportModelVersion`` to the caller (its account ID, ``arn:aws:iam::ID:root`` or
its role ARN) on the source model-version ARN (or a pattern matching it) and none denies it;
conditions may use ``aws:PrincipalAccount`` and ``aws:PrincipalArn``. The service documents neither
which resource it checks nor the policy grammar it accepts: these are the emulator's choices.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from emulators.iam_policy import Caller, Decision, as_list, evaluate
from emulators.lookout.protocol import ServiceError

IMPORT_ACTION = "lookoutequipment:ImportModelVersion"
_STATEMENT_KEYS = frozenset({"Sid", "Effect", "Principal", "Action", "Resource", "Condition"})


def _invalid(problem: str) -> ServiceError:
    return ServiceError("ValidationException", f"The resource policy is not valid: {problem}.")


def parse_policy(text: str) -> dict[str, Any]:
    """The policy document, or ``ValidationException`` saying what is wrong with it."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise _invalid(f"it is not JSON ({exc})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list | dict):
        raise _invalid("it needs a Statement")
    if document.get("Version") not in ("2012-10-17", "2008-10-17"):
        raise _invalid('its Version must be "2012-10-17"')
    for index, statement in enumerate(as_list(document["Statement"])):
        if not isinstance(statement, dict):
            raise _invalid(f"statement {index} is not an object")
        unknown = set(statement) - _STATEMENT_KEYS
        if unknown:
            raise _invalid(f"statement {index} has unknown elements {sorted(unknown)}")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise _invalid(f"statement {index}: Effect must be Allow or Deny")
        for element in ("Principal", "Action", "Resource"):
            if element not in statement:
                raise _invalid(f"statement {index} has no {element}")
    return document


def import_decision(policy: Mapping[str, Any] | None, caller: Caller, source_version_arn: str) -> Decision:
    """What the source model's policy says about ``caller`` importing ``source_version_arn``."""
    if policy is None:
        return Decision.NONE
    context = {"aws:PrincipalAccount": caller.account, "aws:PrincipalArn": caller.arn}
    try:
        return evaluate([policy], IMPORT_ACTION, source_version_arn, context, caller=caller)
    except ValueError:  # a condition operator the emulator does not evaluate: it allows nothing
        return Decision.NONE
