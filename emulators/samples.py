"""ModelMetrics-shaped JSON documents for scenarios (tests, benchmarks and the demo): the product's
own sample facts (``model_steward.domain.samples``), so every scenario shares one definition."""

from __future__ import annotations

from model_steward.domain.samples import metrics_json, unlabelled_metrics_json

__all__ = ["metrics_json", "unlabelled_metrics_json"]
