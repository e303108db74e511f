"""IAM policy evaluation, as AWS documents it, for the local checks (no AWS, no moto).

:func:`evaluate` decides what policy documents say about one request: an explicit deny wins, else
some statement must allow. With a ``caller`` the documents are resource policies and each
statement applies only to the principals it names: a role or user by ARN, a service principal, and
(when the caller says which account it acts for) an account by its ID or ``arn:aws:iam::ID:root``,
which in a resource policy stands for every principal of that account whose own policies allow
the request. Conditions: the string, ARN and Bool operators, their ``Not`` and ``IfExists``
forms; any other operator is an error, never a silent allow.

Used by the static permission checks (``emulators.permissions``), the local stack's authorisation
(``emulators.iam``) and the Lookout for Equipment emulator's resource policies.
Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Decision(Enum):
    ALLOW = "allow"
    DENY = "deny"
    NONE = "not allowed"


@dataclass(frozen=True)
class Caller:
    """Who makes a request: a role or user (by ARN), or an AWS service principal. ``account``, when
    set, lets an account principal (``123456789012`` or its ``root`` ARN) name the caller."""

    arn: str = ""
    service: str = ""
    account: str = ""


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's ``*`` (any run of characters, ``/`` and ``:`` included) and ``?`` (one character)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


_STRING_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda expected, actual: actual == expected,
    "StringLike": wildcard_match,
    "ArnEquals": lambda expected, actual: actual == expected,
    "ArnLike": wildcard_match,
    "Bool": lambda expected, actual: str(actual).lower() == str(expected).lower(),
}


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    negated = base in ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike")
    positive = base.replace("Not", "", 1) if negated else base
    if positive not in _STRING_OPERATORS:
        raise ValueError(f"condition operator {operator} is not evaluated by this check")
    # Condition keys are case-insensitive (aws:SourceArn, AWS:SourceOwner...)
    actual = next((value for name, value in context.items() if name.lower() == key.lower()), None)
    if actual is None:
        return negated or if_exists
    matches = any(_STRING_OPERATORS[positive](str(e), actual) for e in as_list(expected))
    return not matches if negated else matches


def _conditions_hold(statement: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, pairs in statement.get("Condition", {}).items()
        for key, expected in pairs.items()
    )


def principal_matches(principal: Any, caller: Caller) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    accounts = (caller.account, f"arn:aws:iam::{caller.account}:root") if caller.account else ()
    for kind, values in principal.items():
        for value in as_list(values):
            if kind == "Service" and caller.service and value == caller.service:
                return True
            if kind == "AWS" and caller.arn and value in ("*", caller.arn):
                return True
            if kind == "AWS" and value in accounts:
                return True
    return False


def statement_applies(
    statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]
) -> bool:
    if "NotAction" in statement or "NotResource" in statement:
        raise ValueError("NotAction / NotResource are not evaluated by this check")
    if not any(wildcard_match(a, action, ignore_case=True) for a in as_list(statement["Action"])):
        return False
    if not any(wildcard_match(r, resource) for r in as_list(statement.get("Resource", "*"))):
        return False
    return _conditions_hold(statement, context)


def evaluate(
    documents: Sequence[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
    *,
    caller: Caller | None = None,
) -> Decision:
    """The decision of policy documents (identity ones, or a resource policy for ``caller``)."""
    decision = Decision.NONE
    for document in documents:
        for statement in as_list(document.get("Statement", [])):
            if caller is not None and not principal_matches(statement.get("Principal", {}), caller):
                continue
            if statement_applies(statement, action, resource, context or {}):
                if statement["Effect"] == "Deny":
                    return Decision.DENY
                decision = Decision.ALLOW
    return decision
