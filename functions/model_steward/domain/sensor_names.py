"""Readable sensor names in what people read of a diagnostics summary (pure).

The summary JSON keeps the file's own sensor names (the contract: Lookout for Equipment's
``component\\sensor``, SiteWise's ``assetId\\propertyId``). The report and the alert show the names
a registry could resolve (SiteWise: ``<asset name> / <property name>``) instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from model_steward.models.diagnostics import AnomalyEvent, DiagnosticsSummary, SensorContribution


def sensor_names(summary: DiagnosticsSummary) -> list[str]:
    """Every sensor name the summary shows (overall, per event, longest event), each once."""

    def names() -> Iterator[str]:
        yield from (s.name for s in summary.top_sensors)
        for event in [*summary.events, *([summary.longest_event] if summary.longest_event else [])]:
            yield from (s.name for s in event.top_sensors)

    return list(dict.fromkeys(names()))


def _sensors(sensors: list[SensorContribution], labels: Mapping[str, str]) -> list[SensorContribution]:
    return [s.model_copy(update={"name": labels[s.name]}) if s.name in labels else s for s in sensors]


def _event(event: AnomalyEvent, labels: Mapping[str, str]) -> AnomalyEvent:
    return event.model_copy(update={"top_sensors": _sensors(event.top_sensors, labels)})


def relabelled(summary: DiagnosticsSummary, labels: Mapping[str, str]) -> DiagnosticsSummary:
    """The summary as people read it: each sensor a label is known for shown by its label."""
    if not labels:
        return summary
    return summary.model_copy(
        update={
            "top_sensors": _sensors(summary.top_sensors, labels),
            "events": [_event(e, labels) for e in summary.events],
            "longest_event": _event(summary.longest_event, labels) if summary.longest_event else None,
        }
    )
