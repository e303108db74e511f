"""The per-model policy overrides document in SSM Parameter Store (cached, Powertools parameters)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from model_steward.errors import ConfigurationError, NotFoundError, StewardError

CACHE_SECONDS = 60  # a changed document is in force within a minute


def policy_document(name: str) -> str:
    try:
        value = parameters.get_parameter(name, max_age=CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as exc:
        text = str(exc)
        if "ParameterNotFound" in text:
            raise NotFoundError(f"policy document {name} does not exist in SSM Parameter Store") from exc
        if "AccessDenied" in text:
            raise ConfigurationError(f"no permission to read the policy document {name}: {text}") from exc
        raise StewardError(f"cannot read the policy document {name}: {text}") from exc
    return str(value)


def clear_cache() -> None:
    parameters.clear_caches()  # type: ignore[no-untyped-call]
