"""What `steward` commands build beyond the shared factories (``model_steward.compose``): the policy
a deployment applies, and the ledger's items for an export. Never imported by a function."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from model_steward.service.evaluate import PolicySource


def deployed_policies(evaluate_function: str) -> PolicySource:
    """The policy a deployment applies, read as its evaluate function reads it: the function's
    configuration (its ``POLICY_*`` and ``DRY_RUN`` variables, through the same settings model)
    and the overrides document it names in SSM Parameter Store."""
    from pydantic import ValidationError

    from model_steward.adapters.deployment import function_environment
    from model_steward.adapters.parameters import SsmPolicyDocument
    from model_steward.errors import ConfigurationError
    from model_steward.models.settings import EvaluateSettings
    from model_steward.service.evaluate import PolicySource

    environment = function_environment(evaluate_function)
    try:
        settings = EvaluateSettings.model_validate(environment)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise ConfigurationError(
            f"the configuration of {evaluate_function} is not valid: {problems}"
        ) from exc
    document = SsmPolicyDocument(settings.policy_parameter_name) if settings.policy_parameter_name else None
    return PolicySource(settings.base_policy(), document)


def ledger_items(table_name: str) -> Iterator[dict[str, Any]]:
    """Every item of the ledger table as plain values (`steward ledger export`)."""
    from model_steward.adapters.ledger_export import scan_items

    return scan_items(table_name)
