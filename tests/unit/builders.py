"""Builders for policy and metrics tests: the product's sample facts (every argument has a default)."""

from __future__ import annotations

from model_steward.domain.samples import SAMPLE_NOW as NOW
from model_steward.domain.samples import metrics_json, model_facts, unlabelled_metrics_json, version_facts

__all__ = ["NOW", "metrics_json", "model_facts", "unlabelled_metrics_json", "version_facts"]
