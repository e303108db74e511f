"""Which SiteWise settings a real account confirms or contradicts (pure).

``steward sitewise probe`` reads one unit's raw answers (``SiteWiseRegistry.probe``); :func:`judge`
compares them with each :class:`~model_steward.models.sitewise.SiteWiseFacts` setting and, where the
answers contradict a setting, suggests the value that fits them, so an operator can set the
``SiteWiseFacts`` parameter in minutes instead of guessing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from model_steward.models.sitewise import REASON_CODES, SiteWiseFacts, parse_location

Verdict = Literal["CONFIRMED", "CONTRADICTED", "NOT SEEN"]
_METRIC_BLOCKS = ("labeled_event_metrics", "unknown_event_metrics", "model_version_metrics")
_MAPS = ("executionDetails", "executionResult")


@dataclass(frozen=True)
class Judgement:
    setting: str
    value: str
    verdict: Verdict
    evidence: str
    suggestion: str | None = None


def _digits(value: object) -> bool:
    return isinstance(value, str) and value.strip().isdigit() and int(value) >= 1


def _read(location: str, execution: Mapping[str, Any], metrics: Mapping[str, Any] | None) -> Any:
    source, key = parse_location(location)
    if source == "metrics":
        value: Any = metrics
        for part in key.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value
    if source == "execution":
        return execution.get(key)
    if source == "summary":
        return None
    return (execution.get(source) or {}).get(key)


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) in a JSON document."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            yield here, item
            yield from _walk(item, here)


def _as_object(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


def _executions(found: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    described = found.get("described_executions")
    return [e for e in described if isinstance(e, Mapping)] if isinstance(described, list) else []


def _completed(found: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The described executions that completed, newest first (where metrics and codes are)."""
    return [e for e in _executions(found) if (e.get("executionStatus") or {}).get("state") == "COMPLETED"]


def _metrics(found: Mapping[str, Any]) -> Mapping[str, Any] | None:
    newest = found.get("newest_metrics_file")
    document = newest.get("document") if isinstance(newest, Mapping) else None
    return document if isinstance(document, Mapping) else None


def _version(facts: SiteWiseFacts, found: Mapping[str, Any]) -> Judgement:
    executions = _executions(found)
    name, value = "version", facts.version
    if not executions:
        return Judgement(name, value, "NOT SEEN", "no training execution to read")
    numbers = [_read(value, e, None) for e in executions]
    if all(_digits(n) for n in numbers) and len(set(numbers)) == len(numbers):
        shown = ", ".join(str(n) for n in numbers)
        return Judgement(
            name, value, "CONFIRMED", f"the {len(numbers)} newest training executions carry {shown}"
        )
    candidates = [
        f"execution:{k}" for k in ("executionEntityVersion",) if all(_digits(e.get(k)) for e in executions)
    ]
    for source in _MAPS:
        keys = set.intersection(*(set(e.get(source) or {}) for e in executions))
        for key in sorted(keys):
            values = [(e.get(source) or {}).get(key) for e in executions]
            if all(_digits(v) for v in values) and len(set(values)) == len(values):
                candidates.append(f"{source}:{key}")
    candidates = [c for c in candidates if c != value]
    return Judgement(
        name,
        value,
        "CONTRADICTED",
        f"training executions carry no distinct version number there (read: {numbers})",
        candidates[0] if candidates else None,
    )


def _summary_key(
    name: str, value: str, found: Mapping[str, Any], *, accepts: Any, what: str, avoid: str | None = None
) -> Judgement:
    summary = found.get("execution_summary")
    if not isinstance(summary, Mapping) or "error" in summary:
        return Judgement(name, value, "NOT SEEN", "the execution summary could not be read")
    key = parse_location(value)[1]
    if key in summary and accepts(summary[key]):
        return Judgement(name, value, "CONFIRMED", f"the execution summary has {key} = {summary[key]!r}")
    candidates = [k for k, v in summary.items() if accepts(v) and k != avoid]
    return Judgement(
        name,
        value,
        "CONTRADICTED",
        f"the execution summary has no {what} at {key!r} (its keys: {sorted(summary) or 'none'})",
        f"summary:{candidates[0]}" if candidates else None,
    )


def _reason_code(facts: SiteWiseFacts, found: Mapping[str, Any]) -> Judgement:
    name, value = "reason_code", facts.reason_code
    metrics = _metrics(found)
    executions = _completed(found)
    read = [_read(value, e, metrics) for e in executions[:1]] or [_read(value, {}, metrics)]
    if any(r in REASON_CODES for r in read):
        return Judgement(name, value, "CONFIRMED", f"the newest trained version says {read[0]!r} there")
    seen = [f"metrics:{path}" for path, item in _walk(metrics) if item in REASON_CODES]
    for source in _MAPS:
        for execution in executions:
            seen += [f"{source}:{k}" for k, v in (execution.get(source) or {}).items() if v in REASON_CODES]
    if seen:
        return Judgement(name, value, "CONTRADICTED", f"a documented reason code is at {seen[0]}", seen[0])
    return Judgement(
        name,
        value,
        "NOT SEEN",
        "no documented reason code anywhere in the newest metrics file or executions "
        "(expected when promotion is CUSTOMER_MANAGED)",
    )


def _prior_metrics(facts: SiteWiseFacts, found: Mapping[str, Any]) -> Judgement:
    name, value = "prior_metrics", facts.prior_metrics
    metrics = _metrics(found)
    executions = _completed(found)
    read = _as_object(_read(value, executions[0] if executions else {}, metrics))
    if read is not None and any(block in read for block in _METRIC_BLOCKS):
        return Judgement(name, value, "CONFIRMED", "the newest version's prior-model metrics are there")
    seen = [
        f"metrics:{path}"
        for path, item in _walk(metrics)
        if isinstance(item, Mapping)
        and any(b in item for b in _METRIC_BLOCKS)
        and path != "model_version_metrics"
    ]
    for source in _MAPS:
        for execution in executions[:1]:
            for key, item in (execution.get(source) or {}).items():
                parsed = _as_object(item)
                if parsed is not None and any(b in parsed for b in _METRIC_BLOCKS):
                    seen.append(f"{source}:{key}")
    if seen:
        return Judgement(name, value, "CONTRADICTED", f"metrics of another model are at {seen[0]}", seen[0])
    return Judgement(
        name,
        value,
        "NOT SEEN",
        "no prior-model metrics found: new versions are compared with the active version's own metrics "
        "file (another evaluation window) and held for a person",
    )


def _failure_message(facts: SiteWiseFacts, found: Mapping[str, Any]) -> Judgement:
    name, value = "failure_message", facts.failure_message
    failed = [e for e in _executions(found) if (e.get("executionStatus") or {}).get("state") == "FAILED"]
    if not failed:
        return Judgement(name, value, "NOT SEEN", "no failed training execution among the newest")
    message = _read(value, failed[0], None)
    if isinstance(message, str) and message.strip():
        return Judgement(name, value, "CONFIRMED", f"the newest failed execution says {message[:80]!r}")
    candidates = [
        f"{source}:{k}"
        for source in _MAPS
        for k, v in (failed[0].get(source) or {}).items()
        if isinstance(v, str) and v.strip() and not _digits(v)
    ]
    return Judgement(
        name,
        value,
        "CONTRADICTED",
        "the newest failed execution has no message there",
        candidates[0] if candidates else None,
    )


def _action(name: str, value: str, found: Mapping[str, Any]) -> Judgement:
    model = found.get("computation_model")
    definitions = model.get("actionDefinitions") if isinstance(model, Mapping) else None
    if not isinstance(definitions, list):
        return Judgement(name, value, "NOT SEEN", "the computation model could not be read")
    kinds = sorted(
        {str(d.get(k)) for d in definitions if isinstance(d, Mapping) for k in ("actionType", "actionName")}
    )
    if value in kinds:
        return Judgement(name, value, "CONFIRMED", f"the computation model defines {value}")
    return Judgement(name, value, "CONTRADICTED", f"the computation model defines {kinds}")


def _suffix(name: str, value: str, found: Mapping[str, Any], part: str) -> Judgement:
    listing = found.get(part)
    keys = [
        str(entry.get("key"))
        for entries in (listing.values() if isinstance(listing, Mapping) else [])
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, Mapping)
    ]
    if not keys:
        return Judgement(name, value, "NOT SEEN", "no object under the destinations the actions name")
    matching = [k for k in keys if k.endswith(value)]
    if matching:
        return Judgement(name, value, "CONFIRMED", f"{len(matching)} of {len(keys)} objects end with it")
    endings = sorted({"." + k.rsplit(".", 1)[-1] for k in keys if "." in k.rsplit("/", 1)[-1]})
    return Judgement(
        name,
        value,
        "CONTRADICTED",
        f"the objects end with {endings or 'no extension'}",
        endings[0] if endings else None,
    )


def judge(facts: SiteWiseFacts, found: Mapping[str, Any]) -> list[Judgement]:
    """Every setting against what the account returned for one unit."""
    inference_key = parse_location(facts.inference_active)[1]
    return [
        _action("training_action", facts.training_action, found),
        _action("inference_action", facts.inference_action, found),
        _version(facts, found),
        _summary_key(
            "active_version",
            facts.active_version,
            found,
            accepts=_digits,
            what="version number",
            avoid=inference_key,
        ),
        _summary_key(
            "inference_active",
            facts.inference_active,
            found,
            accepts=lambda v: isinstance(v, str) and v.strip().lower() in ("true", "false"),
            what="TRUE/FALSE value",
        ),
        _reason_code(facts, found),
        _prior_metrics(facts, found),
        _failure_message(facts, found),
        Judgement(
            "activation_requires_stop",
            "true" if facts.activation_requires_stop else "false",
            "NOT SEEN",
            "seen only by activating: a ConflictingOperationException on the first promotion means true",
        ),
        _suffix("metrics_suffix", facts.metrics_suffix, found, "metrics_objects"),
        _suffix("results_suffix", facts.results_suffix, found, "results_objects"),
    ]


def suggested(facts: SiteWiseFacts, judgements: Sequence[Judgement]) -> SiteWiseFacts | None:
    """The settings with every suggestion applied, or None when nothing is suggested."""
    changes = {j.setting: j.suggestion for j in judgements if j.verdict == "CONTRADICTED" and j.suggestion}
    if not changes:
        return None
    return SiteWiseFacts.model_validate({**facts.model_dump(), **changes})
