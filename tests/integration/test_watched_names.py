"""Watched names are checked against the service: a typo is an alert, not a silent skip."""

from __future__ import annotations

from emulators.stack import LocalStack
from tests.integration.retraining import subscribe_inbox


def test_an_explicitly_watched_model_that_does_not_exist_is_alerted() -> None:
    with LocalStack({"WatchedModels": "pump-typo,pump-real"}) as small:
        alerts = subscribe_inbox(small)
        small.lookout.seed_model("pump-real")

        report = small.invoke("WatchFunction", {"kind": "tick"})

        assert report["missing"] == ["pump-typo"]
        assert report["queued"] == ["pump-real"]
        (alert,) = alerts.read()
        assert alert["alert"]["kind"] == "CONFIGURATION_PROBLEM"
        assert "pump-typo" in alert["alert"]["summary"]
