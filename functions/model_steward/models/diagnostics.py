"""The diagnostics summary: the JSON contract other tools read (alerts, dashboards, the CLI's --json).

Built by :func:`model_steward.domain.diagnostics.summarize_diagnostics` from a Lookout for Equipment
``model_diagnostics_results.json.gz`` file. Serialise with ``summary.model_dump_json()``; read back
with ``DiagnosticsSummary.model_validate_json(text)``.

Contract (``schema_version`` 2). Every count is exact, whatever the file's size.

* ``schema_version`` is the version of this contract, not of a model. Version 1 called it
  ``version`` and had neither the model fields, ``rows_without_score`` nor
  ``sampling_interval_seconds``; every other field is unchanged.
* ``model_name`` and ``model_version``: the model version whose diagnostics these are, when the
  file is linked to one (the service fills them); null otherwise.

* Timestamps (``first_timestamp``, ``last_timestamp``, each event's ``start``/``end``) are the
  service's own strings, copied unchanged from the file (e.g. ``"2021-03-11T22:25:00.000000"``,
  ISO 8601 without an offset, meaning UTC). Durations are computed from them, a timestamp without an
  offset being taken as UTC.
* "First" and "last" are in file order, not in time order; a file is normally in time order, and
  ``span_seconds`` is negative when it is not (then ``events_per_day`` is null).
* ``rows``: records read; ``anomalous_rows``: records whose ``prediction`` is 1;
  ``anomalous_fraction`` = anomalous_rows / rows; ``rows_without_score``: records without an
  ``anomaly_score`` (the machine was off or the service had no data), = rows - anomaly_score.count.
* ``sampling_interval_seconds``: the most frequent positive spacing between consecutive records
  among the first :data:`SAMPLING_PAIRS` (the smallest on a tie); what a one-record event lasts.
  Null when no two consecutive records are in increasing time order.
* ``events``: maximal runs of consecutive records (file order) whose prediction is 1, in file order.
  Only the first :data:`MAX_EVENTS` are listed (``events_truncated`` is then true);
  ``event_count`` always counts them all and ``longest_event`` (most rows; the first one on a tie)
  is computed over all of them. Each event carries its own ``top_sensors`` (at most
  :data:`EVENT_TOP_SENSORS`), defined as below over the event's records.
* ``events_per_day`` = event_count / (span_seconds / 86400), null when the span is not positive.
* ``top_sensors``: at most :data:`TOP_SENSORS`; ``mean_contribution`` = the sum of the sensor's
  diagnostic ``value`` over all anomalous records / anomalous_rows (a record without that sensor
  adds 0; a sensor listed twice in one record counts twice); sorted by mean_contribution descending
  then name ascending. Diagnostics of records whose prediction is 0 are not used.
* ``anomaly_score``: over every record that carries an ``anomaly_score`` (``count`` of them).
  Percentiles use the nearest-rank definition (the smallest value with at least p% of the values at
  or below it). ``method`` is ``"exact"`` while the file has at most
  :data:`EXACT_SCORE_LIMIT` scores; beyond that a logarithmic histogram (DDSketch-style) is used
  and each percentile is within ``relative_error`` (1%) of a value of rank p (zero exactly).
  ``max`` is always exact. All null when no record has a score.
* ``sensors_seen``: distinct sensor names in the diagnostics of anomalous records.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Literal[2] = 2
TOP_SENSORS = 10
EVENT_TOP_SENSORS = 5
MAX_EVENTS = 1000
EXACT_SCORE_LIMIT = 100_000
SKETCH_RELATIVE_ERROR = 0.01
SAMPLING_PAIRS = 1000


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class SensorContribution(_Frozen):
    name: str = Field(description="Diagnostics name as in the file: component\\sensor.")
    mean_contribution: float


class AnomalyEvent(_Frozen):
    start: str = Field(description="Timestamp of the event's first record (service string).")
    end: str = Field(description="Timestamp of the event's last record (service string).")
    rows: int = Field(ge=1)
    duration_seconds: float = Field(description="end - start; 0 for a one-record event.")
    max_anomaly_score: float | None = Field(description="Null when no record of the event has a score.")
    top_sensors: list[SensorContribution]


class ScoreStatistics(_Frozen):
    count: int = Field(ge=0, description="Records that carry an anomaly_score.")
    p50: float | None
    p90: float | None
    p99: float | None
    max: float | None
    method: Literal["exact", "sketch"]
    relative_error: float = Field(description="0 when exact; bound on each percentile's relative error.")


class DiagnosticsSummary(_Frozen):
    model_config = ConfigDict(frozen=True, extra="ignore", protected_namespaces=())

    schema_version: Literal[2] = Field(default=SCHEMA_VERSION, description="Version of this contract.")
    model_name: str | None = Field(default=None, description="The linked model; null when not linked.")
    model_version: int | None = Field(
        default=None, description="The linked model version; null when not linked."
    )
    rows: int = Field(ge=1)
    anomalous_rows: int = Field(ge=0)
    anomalous_fraction: float
    rows_without_score: int = Field(ge=0, description="Records without an anomaly_score.")
    sampling_interval_seconds: float | None = Field(
        description="Most frequent spacing between consecutive records; null when unknown."
    )
    first_timestamp: str
    last_timestamp: str
    span_seconds: float
    event_count: int = Field(ge=0)
    events_per_day: float | None
    events_truncated: bool
    events: list[AnomalyEvent]
    longest_event: AnomalyEvent | None
    top_sensors: list[SensorContribution]
    sensors_seen: int = Field(ge=0)
    anomaly_score: ScoreStatistics

    def linked_to(self, model_name: str, model_version: int) -> DiagnosticsSummary:
        """The same summary, naming the model version whose diagnostics these are."""
        return self.model_copy(update={"model_name": model_name, "model_version": model_version})
