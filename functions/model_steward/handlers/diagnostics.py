"""diagnostics: an S3 notification or EventBridge event announces model_diagnostics_results.json.gz.

Each announced object is summarised, reported, linked to its model version, recorded and alerted
once (:func:`model_steward.service.diagnostics.process_object`). A broken file is alerted, not
raised; a transient failure raises, so Lambda retries the event and then sends it to the
on-failure destination (the diagnostics dead-letter queue, whose alarm alerts).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from model_steward.adapters.ledger import Ledger
from model_steward.models.s3_events import objects_in
from model_steward.models.settings import DiagnosticsSettings, load_settings
from model_steward.observability import logger, metrics, tracer
from model_steward.service.diagnostics import FileStatus, process_object


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = load_settings(DiagnosticsSettings)
    ledger = Ledger(settings.ledger_table_name)
    objects = objects_in(event)
    logger.info("diagnostics objects announced", extra={"objects": [o.uri for o in objects]})
    outcomes = [
        process_object(ref, settings=settings, ledger=ledger, now=datetime.now(UTC)) for ref in objects
    ]
    processed = sum(o.status in (FileStatus.SUMMARISED, FileStatus.BROKEN) for o in outcomes)
    broken = sum(o.status is FileStatus.BROKEN for o in outcomes)
    metrics.add_metric(name="DiagnosticsFilesProcessed", unit=MetricUnit.Count, value=processed)
    if broken:
        metrics.add_metric(name="DiagnosticsFilesBroken", unit=MetricUnit.Count, value=broken)
    return {"files": [o.model_dump(mode="json", exclude_none=True) for o in outcomes]}
