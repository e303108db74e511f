"""The auto-promotion policy, its per-model overrides document, and how they combine.

A limit that can be turned off takes ``"off"`` (as the SAM parameters do) or ``null`` alike, in
the document and in the parameters: both mean the rule does not apply.

Precedence (lowest first): the base policy (SAM parameters) < the document's ``defaults`` < the
longest matching entry of ``prefixes`` < the exact model name in ``models``. Only the longest
matching prefix applies. Every layer is a *partial* policy validated field by field by the same
constraints as ``Policy``; unknown keys are errors, so a typo cannot silently weaken a policy.

Example document (stored in SSM Parameter Store by the deployment)::

    {"version": 1,
     "defaults": {"max_recall_drop": 0.05},
     "prefixes": {"compressor-": {"cooldown_hours": 72}},
     "models": {"pump-01": {"dry_run": false, "on_cannot_determine_quality": "ACCEPT"}}}
"""

from __future__ import annotations

import difflib
import hashlib
import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model
from pydantic_core import ErrorDetails

from model_steward.errors import InvalidInputError
from model_steward.models.decision import ModelQuality
from model_steward.models.names import ModelName


def _off_is_none(value: object) -> object:
    return None if isinstance(value, str) and value.strip().lower() == "off" else value


Off = BeforeValidator(_off_is_none)
"""``"off"`` turns a limit off (the same as null), in the parameters and the overrides document."""


class QualityAction(StrEnum):
    """What to do with a version whose ModelQuality is CANNOT_DETERMINE_QUALITY."""

    HOLD = "HOLD"
    ACCEPT = "ACCEPT"
    REJECT = "REJECT"


class NotMeasurableAction(StrEnum):
    """What to do when a rule's metric cannot be measured."""

    HOLD = "HOLD"
    IGNORE = "IGNORE"


class Policy(BaseModel):
    """The auto-promotion policy for one model. Defaults are conservative: they promote only a
    version that the service rates QUALITY_THRESHOLD_MET and that is no worse than the prior
    model on recall, forewarning and false alarms, and they start in dry run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_model_quality: ModelQuality = Field(
        ModelQuality.QUALITY_THRESHOLD_MET,
        description=(
            "Lowest ModelQuality that may be promoted (QUALITY_THRESHOLD_MET > CANNOT_DETERMINE_QUALITY > "
            "POOR_QUALITY_DETECTED). A version below it is rejected, except CANNOT_DETERMINE_QUALITY, "
            "which follows on_cannot_determine_quality."
        ),
    )
    on_cannot_determine_quality: QualityAction = Field(
        QualityAction.HOLD,
        description=(
            "What to do with a CANNOT_DETERMINE_QUALITY version (every unlabelled model) when it is "
            "below min_model_quality: HOLD for a person, ACCEPT (judge it on the other rules; "
            "label-based rules are skipped for unlabelled models) or REJECT."
        ),
    )
    max_recall_drop: Annotated[float | None, Off] = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description=(
            "Largest allowed fall of event recall (identified / labelled events), absolute, 0..1. "
            '0 means no drop at all; null or "off" disables the rule.'
        ),
    )
    max_forewarning_drop_pct: Annotated[float | None, Off] = Field(
        25.0,
        ge=0.0,
        le=100.0,
        description=(
            "Largest allowed shrink of the mean forewarning per identified event, in percent of the "
            'prior\'s. null or "off" disables the rule.'
        ),
    )
    max_unknown_events_increase_pct: Annotated[float | None, Off] = Field(
        25.0,
        ge=0.0,
        le=10_000.0,
        description=(
            "Allowed growth of unknown (unlabelled) abnormal events, in percent of the prior's count. "
            "The rule fails only when the growth exceeds every configured limit (percent and count); "
            'null or "off" disables this limit.'
        ),
    )
    max_unknown_events_increase_count: Annotated[int | None, Off] = Field(
        2,
        ge=0,
        le=1_000_000,
        description=(
            "Allowed growth of unknown abnormal events, as a number of events. Tolerates small "
            'numbers (1 -> 2 is +100 %). null or "off" disables this limit; both off disables the rule.'
        ),
    )
    min_retraining_data_days: Annotated[int | None, Off] = Field(
        None,
        ge=1,
        le=3650,
        description=(
            "Minimum RetrainingAvailableDataInDays; applies only when the service reports it. null or "
            '"off" disables the rule.'
        ),
    )
    cooldown_hours: float = Field(
        24.0,
        ge=0.0,
        le=8760.0,
        description="Minimum time since the active version was activated; 0 disables the rule.",
    )
    on_not_measurable: NotMeasurableAction = Field(
        NotMeasurableAction.HOLD,
        description=(
            "When an enabled rule's metric cannot be measured (missing block, no prior metrics, "
            "unknown activation time): HOLD for a person, or IGNORE the rule."
        ),
    )
    dry_run: bool = Field(
        True,
        description="Decide and report, but never call UpdateActiveModelVersion (WOULD_PROMOTE).",
    )

    def fingerprint(self) -> str:
        """Short stable hash of the policy's values (sha256 of canonical JSON, 16 hex digits)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _make_patch_model() -> type[BaseModel]:
    """A model with every Policy field optional (default: not set), same types and bounds."""
    fields: dict[str, Any] = {}
    for name, info in Policy.model_fields.items():
        # Same type, same bounds (Ge/Le metadata), but "not set" by default.
        annotation: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[name] = (annotation, Field(None, description=info.description))
    return create_model("PolicyPatch", __config__=ConfigDict(frozen=True, extra="forbid"), **fields)


if TYPE_CHECKING:

    class PolicyPatch(BaseModel):
        """A partial Policy: only the fields that are set apply (``model_fields_set``)."""

else:
    PolicyPatch = _make_patch_model()
    PolicyPatch.__doc__ = "A partial Policy: only the fields that are set apply (``model_fields_set``)."


class PolicyOverrides(BaseModel):
    """The per-model overrides document (one JSON document)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = Field(description="Document format version; only 1 exists.")
    defaults: PolicyPatch = Field(default_factory=PolicyPatch, description="Applies to every model.")
    prefixes: dict[ModelName, PolicyPatch] = Field(
        default_factory=dict, description="Applies to models whose name starts with the key (longest wins)."
    )
    models: dict[ModelName, PolicyPatch] = Field(
        default_factory=dict, description="Applies to the model with exactly this name."
    )


def patch_values(patch: BaseModel) -> dict[str, Any]:
    """The settings a patch actually sets (an explicit null counts: it disables a rule)."""
    return {name: getattr(patch, name) for name in patch.model_fields_set}


class PolicyDocumentError(InvalidInputError):
    """The policy overrides document is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str], *, source: str = "policy overrides document") -> None:
        self.problems = problems
        count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source} is invalid ({count}):\n{lines}")


def parse_overrides(text: str, *, source: str = "policy overrides document") -> PolicyOverrides:
    """Parse and validate the overrides document. Raises PolicyDocumentError listing every problem."""
    duplicates: list[str] = []

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                duplicates.append(f"duplicate key {key!r}: the later value would silently win")
            seen[key] = value
        return seen

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise PolicyDocumentError(
            [f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"], source=source
        ) from None
    except (ValueError, RecursionError) as exc:
        raise PolicyDocumentError([f"not valid JSON: {exc}"], source=source) from None
    if not isinstance(data, dict):
        raise PolicyDocumentError(["the document must be a JSON object"], source=source)
    problems = list(duplicates)
    try:
        # Strict: "false", "no" or 0 for a boolean, "24" for a number are mistakes, not values.
        overrides = PolicyOverrides.model_validate_json(text, strict=True)
    except ValidationError as exc:
        problems.extend(format_validation_errors(exc))
        raise PolicyDocumentError(problems, source=source) from None
    if problems:
        raise PolicyDocumentError(problems, source=source)
    return overrides


def format_validation_errors(exc: ValidationError) -> list[str]:
    """pydantic errors as ``models.pump-01.max_recall_drop: must be <= 1`` lines."""
    return [_format_error(err) for err in exc.errors(include_url=False)]


def _format_loc(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if part == "[key]":
            parts[-1:] = [f"{parts[-1]} (as a key)"] if parts else ["key"]
        elif isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(str(part))
    return ".".join(parts) or "document"


def _format_error(err: ErrorDetails) -> str:
    loc = _format_loc(err["loc"])
    kind = err["type"]
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        known = list(Policy.model_fields) if len(err["loc"]) > 1 else list(PolicyOverrides.model_fields)
        hint = difflib.get_close_matches(name, known, n=1)
        suggestion = f" (did you mean {hint[0]}?)" if hint else f" (known: {', '.join(known)})"
        return f"{loc}: unknown setting{suggestion}"
    readable = {
        "less_than_equal": f"must be <= {_num(ctx.get('le'))}",
        "less_than": f"must be < {_num(ctx.get('lt'))}",
        "greater_than_equal": f"must be >= {_num(ctx.get('ge'))}",
        "greater_than": f"must be > {_num(ctx.get('gt'))}",
        "missing": "is required",
        "enum": f"must be one of {ctx.get('expected')}",
        "literal_error": f"must be {ctx.get('expected')}",
        "string_pattern_mismatch": "must be a model name (letters, digits, '-' and '_', 1-200 characters)",
        "model_type": "must be a JSON object",
        "dict_type": "must be a JSON object",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
    }
    message = readable.get(kind, str(err["msg"]))
    if kind not in readable and message:
        message = message[0].lower() + message[1:]
    if kind not in ("missing", "string_pattern_mismatch"):
        message = f"{message} (got {_shown(err.get('input'))})"
    return f"{loc}: {message}"


def _num(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown(value: object) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _apply(policy: Policy, patch: BaseModel) -> Policy:
    values = patch_values(patch)
    if not values:
        return policy
    return Policy.model_validate({**policy.model_dump(), **values})


def matching_prefix(overrides: PolicyOverrides, model_name: str) -> str | None:
    """The longest prefix key that ``model_name`` starts with, if any."""
    matches = [prefix for prefix in overrides.prefixes if model_name.startswith(prefix)]
    return max(matches, key=len) if matches else None


def resolve_policy_explained(
    base: Policy, overrides: PolicyOverrides | None, model_name: str | None
) -> tuple[Policy, list[str]]:
    """The effective policy and the layers that contributed, lowest first (e.g. ``["base",
    "defaults", "prefix compressor-", "model compressor-07"]``)."""
    layers = ["base"]
    policy = base
    if overrides is None:
        return policy, layers
    if patch_values(overrides.defaults):
        policy = _apply(policy, overrides.defaults)
        layers.append("defaults")
    if model_name is not None:
        prefix = matching_prefix(overrides, model_name)
        if prefix is not None:
            policy = _apply(policy, overrides.prefixes[prefix])
            layers.append(f"prefix {prefix}")
        if model_name in overrides.models:
            policy = _apply(policy, overrides.models[model_name])
            layers.append(f"model {model_name}")
    return policy, layers


def resolve_policy(base: Policy, overrides: PolicyOverrides | None, model_name: str | None) -> Policy:
    """base < document defaults < longest matching prefix < exact model name."""
    return resolve_policy_explained(base, overrides, model_name)[0]
