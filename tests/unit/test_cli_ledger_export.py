"""`steward ledger export`: the table's items as one plain document, grouped by model (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from model_steward.cli.ledger import build, counts

NOW = datetime(2026, 9, 24, 6, 0, tzinfo=UTC)
ITEMS = [
    {"pk": "WATCH", "sk": "MODEL#pump-01", "model_name": "pump-01", "last_seen_version": 4},
    {"pk": "MODEL#pump-01", "sk": "VERSION#0000000003", "version": 3, "state": "BASELINE"},
    {
        "pk": "MODEL#pump-01",
        "sk": "VERSION#0000000004",
        "version": 4,
        "state": "PROMOTED",
        "decision_json": json.dumps({"outcome": "PROMOTE", "rule_results": [{"rule": "cooldown"}]}),
    },
    {
        "pk": "MODEL#pump-01",
        "sk": "ALERT#pump-01#v4#PROMOTED",
        "state": "SENT",
        "created_at": "2026-09-24T05:00:00+00:00",
        "payload_json": json.dumps({"kind": "PROMOTED", "severity": "NOTICE"}),
    },
    {"pk": "MODEL#pump-02", "sk": "DIAGNOSTICS#b/k#e", "status": "SUMMARISED", "processed_at": "x"},
    {"pk": "SYSTEM", "sk": "ALERT#*#SYSTEM_ERROR#d", "payload_json": "not json"},
    {"pk": "DIAGNOSTICS", "sk": "DIAGNOSTICS#b/other#e", "status": "BROKEN"},
]


def test_items_are_grouped_by_model_with_json_strings_as_objects() -> None:
    exported = build(ITEMS, table="ledger", now=NOW)

    pump = exported["models"]["pump-01"]
    assert pump["watch"] == {"model_name": "pump-01", "last_seen_version": 4}
    assert [v["version"] for v in pump["versions"]] == [4, 3]  # newest first
    assert pump["versions"][0]["decision"]["rule_results"] == [{"rule": "cooldown"}]
    assert "decision_json" not in pump["versions"][0]
    assert pump["alerts"][0]["alert"] == {"kind": "PROMOTED", "severity": "NOTICE"}
    assert exported["models"]["pump-02"]["diagnostics"][0]["status"] == "SUMMARISED"
    assert exported["system_alerts"] == [{"payload_json": "not json"}]  # kept as it was: not JSON
    assert exported["unlinked_diagnostics"] == [{"status": "BROKEN"}]
    assert (exported["format"], exported["exported_at"]) == (1, "2026-09-24T06:00:00+00:00")
    assert counts(exported) == "2 models, 2 versions, 2 alerts"


def test_one_model_only() -> None:
    exported = build(ITEMS, table="ledger", now=NOW, model="pump-02")

    assert list(exported["models"]) == ["pump-02"]
    assert exported["system_alerts"] == []
    assert counts(exported) == "1 model, 0 versions, 0 alerts"
