"""A change to the per-model policy overrides document is recorded and alerted once, with what
changed; the previous document stays in the ledger."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from model_steward.domain.policy_document import changes, fingerprint, loosened
from model_steward.models.ledger import SYSTEM_PK
from tests.fakes.channels import FakePolicyDocument
from tests.service.conftest import World

NAME = "/model-steward/policy"
FIRST = json.dumps({"version": 1, "models": {"pump-01": {"dry_run": True, "cooldown_hours": 24}}})
SECOND = json.dumps(
    {
        "version": 1,
        "defaults": {"max_recall_drop": None},
        "models": {"pump-01": {"dry_run": False, "cooldown_hours": 24}},
    }
)


def test_the_first_document_seen_is_recorded_without_an_alert(world: World) -> None:
    world.document = FakePolicyDocument(FIRST, name=NAME)

    report = world.tick()

    assert report.policy_document == "recorded"
    stored = world.ledger.policy_document(NAME)
    assert stored is not None
    assert (stored.text, stored.fingerprint) == (FIRST, fingerprint(FIRST))
    assert world.topic.published == []


def test_a_change_is_alerted_once_with_the_keys_and_values_and_the_previous_document_kept(
    world: World,
) -> None:
    # Given the document as first seen
    world.document = FakePolicyDocument(FIRST, name=NAME)
    world.tick()

    # When someone turns dry run off for pump-01 and recall off for everyone, and ticks go on
    world.document.text = SECOND
    first = world.tick()
    world.advance(timedelta(minutes=15))
    second = world.tick()

    # Then one alert says which keys changed, from what to what, and that it loosens the policy
    assert (first.policy_document, second.policy_document) == ("changed", None)
    (alert,) = world.topic.published
    assert alert.kind == "CONFIGURATION_PROBLEM"
    assert alert.severity == "WARNING"
    assert alert.title == "Policy overrides document changed: 2 keys"
    assert "models.pump-01.dry_run: true -> false." in alert.reasons
    assert "defaults.max_recall_drop added: null." in alert.reasons
    assert "It loosens the policy: " in alert.summary
    assert "models.pump-01.dry_run: true -> false" in alert.summary
    assert "defaults.max_recall_drop added: null" in alert.summary
    assert f"Document fingerprint {fingerprint(FIRST)} -> {fingerprint(SECOND)}." in alert.reasons
    assert world.chatbot.kinds() == ["CONFIGURATION_PROBLEM"]
    # And the ledger keeps both documents and the alert
    stored = world.ledger.policy_document(NAME)
    assert stored is not None
    assert (stored.text, stored.previous_text) == (SECOND, FIRST)
    assert [a.alert_id for a in world.ledger.alerts(SYSTEM_PK)] == [alert.alert_id]


def test_a_deleted_and_a_restored_document_are_two_changes(world: World) -> None:
    world.document = FakePolicyDocument(FIRST, name=NAME)
    world.tick()

    world.document.text = None
    world.tick()
    world.document.text = FIRST
    world.tick()

    summaries = [alert.summary for alert in world.topic.published]
    assert len(summaries) == 2
    assert "models.pump-01.dry_run removed (was true)." in world.topic.published[0].reasons
    assert "models.pump-01.dry_run added: true." in world.topic.published[1].reasons


def test_a_change_another_tick_recorded_first_is_not_alerted_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.document = FakePolicyDocument(FIRST, name=NAME)
    world.tick()
    world.document.text = SECOND
    stale = world.ledger.policy_document(NAME)

    assert world.watch().check_policy_document(world.now) == "changed"
    # A concurrent tick read the record before the first one wrote the change.
    monkeypatch.setattr(world.ledger, "policy_document", lambda name: stale)
    assert world.watch().check_policy_document(world.now) is None

    assert len(world.topic.published) == 1


def test_changes_read_a_document_that_is_not_json_as_one_value() -> None:
    found = {c.key: c for c in changes(FIRST, "{broken")}
    assert found["(document)"].new == f"not valid JSON (fingerprint {fingerprint('{broken')})"
    assert found["models.pump-01.dry_run"].sentence() == "models.pump-01.dry_run removed (was true)"


def test_only_dry_run_off_and_disabled_rules_loosen() -> None:
    found = changes(
        json.dumps({"defaults": {"cooldown_hours": 24, "dry_run": False, "max_recall_drop": 0.1}}),
        json.dumps({"defaults": {"cooldown_hours": 48, "dry_run": True, "max_recall_drop": None}}),
    )
    assert [c.key for c in loosened(found)] == ["defaults.max_recall_drop"]


def test_a_long_value_is_shown_shortened_to_80_characters() -> None:
    (change,) = changes(json.dumps({"note": "a"}), json.dumps({"note": "x" * 200}))
    assert change.old == '"a"'
    assert change.new == '"' + "x" * 78 + "…"
    assert len(change.new) == 80
