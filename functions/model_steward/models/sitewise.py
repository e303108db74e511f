"""AWS IoT SiteWise native anomaly detection in Model Steward's terms: the governed unit, and every
fact the service does not document, each one named setting.

The governed unit is a computation model applied to an asset (SiteWise trains, versions and
activates per ``resolveTo`` asset). Its ledger key is :func:`unit_key`: ``sw-<computation model
id>-<asset id>``, stable whatever the model or the asset is renamed to, and never a Lookout for
Equipment model name in practice. People see it as ``<model name> / <asset name>``.

Documented (https://docs.aws.amazon.com/iot-sitewise/latest/userguide/advanced-inference-configurations.html,
.../adv-training-configs.html, .../anom-detection-sensors-asset.html): model versions are training
executions numbered from 1; ``DescribeComputationModelExecutionSummary`` "includes the active model
version" and ``inferenceTimerActive``; ``ExecuteAction`` on the inference action with
``targetModelVersion`` activates a version; the promotion mode is the retraining payload's
``promotion`` (``SERVICE_MANAGED`` by default); the reason codes; the metrics file's shape.

Not documented: where in the untyped answers the version number, the active version, the reason
code and the prior model's metrics are, and whether activating needs inference stopped first.
:class:`SiteWiseFacts` names each of them, with the best documented default, so an operator can
confirm or correct them with ``steward sitewise probe``. The SiteWise emulator writes its answers
where these same defaults say, so a changed default is a changed emulator too.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from model_steward.errors import ConfigurationError

SITEWISE = "iot-sitewise"
"""The registry id of AWS IoT SiteWise (``EvaluateRequest.registry``)."""

KEY_PREFIX = "sw-"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_KEY = re.compile(rf"^{KEY_PREFIX}({_UUID})-({_UUID})$")
UUID_PATTERN = re.compile(rf"^{_UUID}$")

SERVICE_MANAGED = "SERVICE_MANAGED"
CUSTOMER_MANAGED = "CUSTOMER_MANAGED"
PROMOTION_MODES = (SERVICE_MANAGED, CUSTOMER_MANAGED)
DEFAULT_PROMOTION = SERVICE_MANAGED
"""What a retraining scheduler started without ``promotion`` does (documented default)."""

AUTO_PROMOTION_SUCCESSFUL = "AUTO_PROMOTION_SUCCESSFUL"
MODEL_METRICS_DIDNT_IMPROVE = "MODEL_METRICS_DIDNT_IMPROVE"
POOR_MODEL_QUALITY_DETECTED = "POOR_MODEL_QUALITY_DETECTED"
REASON_CODES = (AUTO_PROMOTION_SUCCESSFUL, MODEL_METRICS_DIDNT_IMPROVE, POOR_MODEL_QUALITY_DETECTED)
"""The documented promotion reason codes ("stored alongside the metrics")."""

TRAIN_MODEL = "TRAIN_MODEL"
START_RETRAINING_SCHEDULER = "START_RETRAINING_SCHEDULER"
STOP_RETRAINING_SCHEDULER = "STOP_RETRAINING_SCHEDULER"
INFERENCE_START = "START"
INFERENCE_STOP = "STOP"


def unit_key(computation_model_id: str, asset_id: str) -> str:
    """The ledger key of a computation model applied to an asset."""
    key = f"{KEY_PREFIX}{computation_model_id}-{asset_id}"
    if not _KEY.match(key):
        raise ValueError(
            f"not a computation model id and an asset id: {computation_model_id!r}, {asset_id!r}"
        )
    return key


def parse_unit_key(key: str) -> tuple[str, str] | None:
    """(computation model id, asset id) of a ledger key, or None when it is not a SiteWise key."""
    match = _KEY.match(key)
    return (match.group(1), match.group(2)) if match else None


def is_unit_key(name: str) -> bool:
    return _KEY.match(name) is not None


# ------------------------------------------------------------------------------------- locations

Source = Literal["execution", "executionDetails", "executionResult", "summary", "metrics"]
SOURCES: tuple[Source, ...] = ("execution", "executionDetails", "executionResult", "summary", "metrics")
"""Where a fact is read: a member of the training execution (ListExecutions / DescribeExecution), a
key of DescribeExecution's executionDetails or executionResult map, a key of
DescribeComputationModelExecutionSummary's map, or a dotted path in the version's metrics file."""
_KEY_TEXT = re.compile(r"^[a-zA-Z0-9 _\-#$*!@.]{1,256}$")


def parse_location(text: str) -> tuple[Source, str]:
    """``"summary:activeModelVersion"`` -> ("summary", "activeModelVersion")."""
    source, sep, key = text.partition(":")
    if not sep or source not in SOURCES or not _KEY_TEXT.match(key):
        raise ValueError(
            f"{text!r} is not SOURCE:KEY with SOURCE one of {', '.join(SOURCES)} and KEY the key "
            "(letters, digits, space and _-#$*!@. ; a dotted path for metrics)"
        )
    return source, key


def _location(*allowed: Source) -> AfterValidator:
    def check(text: str) -> str:
        source, _ = parse_location(text)
        if source not in allowed:
            raise ValueError(f"{text!r}: the source must be one of {', '.join(allowed)}")
        return text

    return AfterValidator(check)


VersionLocation = Annotated[str, _location("execution", "executionDetails", "executionResult")]
SummaryLocation = Annotated[str, _location("summary")]
ReasonLocation = Annotated[str, _location("metrics", "executionDetails", "executionResult")]
PriorLocation = Annotated[str, _location("metrics", "executionDetails")]
MessageLocation = Annotated[str, _location("executionResult", "executionDetails")]


class SiteWiseFacts(BaseModel):
    """Where Model Steward reads what SiteWise does not document, and how it activates a version.

    Each field is one named setting (``steward sitewise probe`` confirms or contradicts it in a
    real account; the deployment sets them with the ``SiteWiseFacts`` parameter, ``name=value``
    pairs separated by commas). A location is ``SOURCE:KEY``: ``execution`` (a member of the
    training execution), ``executionDetails`` / ``executionResult`` (DescribeExecution's maps),
    ``summary`` (the execution summary map) or ``metrics`` (a dotted path in the metrics file).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    training_action: str = Field(
        "AWS/ANOMALY_DETECTION_TRAINING",
        min_length=1,
        description="The training action's type (documented action name; the ListExecutions "
        "actionType filter value comes from Amazon's samples).",
    )
    inference_action: str = Field(
        "AWS/ANOMALY_DETECTION_INFERENCE", min_length=1, description="The inference action's type."
    )
    version: VersionLocation = Field(
        "execution:executionEntityVersion",
        description="Where a training execution carries its model version number (not documented; "
        "executionEntityVersion, 'Entity version used for the execution', is the only candidate).",
    )
    active_version: SummaryLocation = Field(
        "summary:activeModelVersion",
        description="The execution summary key of the active model version (documented to be there; "
        "its key is not).",
    )
    inference_active: SummaryLocation = Field(
        "summary:inferenceTimerActive",
        description="The execution summary key that says inference runs (documented: TRUE).",
    )
    reason_code: ReasonLocation = Field(
        "metrics:reason_code",
        description="Where the promotion reason code is ('stored alongside the metrics'; no key "
        "is documented).",
    )
    prior_metrics: PriorLocation = Field(
        "metrics:prior_model_metrics",
        description="Where the prior model's metrics on the new version's own evaluation window are "
        "('comparison metrics between different model versions during retraining'; no format or "
        "key is documented). Without them the active version's own metrics file is compared, "
        "which is another evaluation window: such a version is held for a person.",
    )
    failure_message: MessageLocation = Field(
        "executionResult:message",
        description="Where a failed execution says why (Amazon's samples read executionResult['message']).",
    )
    activation_requires_stop: bool = Field(
        False,
        description="Stop running inference before starting it with another targetModelVersion "
        "(not documented; the documented example starts it directly).",
    )
    metrics_suffix: str = Field(
        ".json",
        min_length=1,
        description="How a metrics file's name ends under modelMetricsDestination (the documented "
        "example names training-metrics.json).",
    )
    results_suffix: str = Field(
        ".jsonl",
        min_length=1,
        description="How an evaluation results file's name ends under resultDestination (the "
        "documented example names ...-evaluation_results.jsonl).",
    )

    @classmethod
    def parse(cls, text: str) -> SiteWiseFacts:
        """``"version=executionDetails:modelVersion,activation_requires_stop=true"``; empty: defaults."""
        values: dict[str, str] = {}
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            name, sep, value = part.partition("=")
            name = name.strip()
            if not sep or not name:
                raise ConfigurationError(f"SiteWiseFacts: {part!r} is not name=value")
            if name in values:
                raise ConfigurationError(f"SiteWiseFacts: {name} is given twice")
            values[name] = value.strip()
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'SiteWiseFacts'}: {err['msg']}"
                for err in exc.errors(include_url=False)
            )
            raise ConfigurationError(f"SiteWiseFacts is invalid: {problems}") from exc

    def text(self) -> str:
        """The settings that differ from the defaults, as the parameter's ``name=value,...``."""
        defaults = SiteWiseFacts()
        changed = [
            f"{name}={_setting_text(getattr(self, name))}"
            for name in type(self).model_fields
            if getattr(self, name) != getattr(defaults, name)
        ]
        return ",".join(changed)


def _setting_text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


DEFAULT_FACTS = SiteWiseFacts()
