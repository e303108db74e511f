"""Two deployments on in-memory fakes: staging approves, production imports and governs.

Staging sends one approval per approving decision (never lost); production imports each approved
version exactly once (duplicate deliveries, throttling, a busy model), decides it by policy with a
like-for-like comparison only when the lineage allows one, and alerts what goes wrong with the
service's reason. The same flows run through the local stack in tests/integration/test_cross_account.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest

from model_steward.domain.budget import Budget
from model_steward.domain.samples import metrics_json
from model_steward.errors import ConflictError, NotFoundError, OutOfTime, TransientError
from model_steward.models.alerts import AlertKind
from model_steward.models.decision import Decision, RuleId, RuleOutcome
from model_steward.models.imports import ImportRequest, ImportSettings, ImportState
from model_steward.models.ledger import AlertState, Channel, VersionState
from model_steward.models.policy import Policy
from model_steward.service.alerting import Alerter
from model_steward.service.approvals import Approvals
from model_steward.service.evaluate import EvaluateService, PolicySource
from model_steward.service.imports import ImportService, apply_share, plan_share
from tests.fakes.imports import FakeApprovalBus, FakeImports, FakeRoles
from tests.fakes.registry import FakeRegistry
from tests.service.conftest import World, watch_settings

STAGING, PRODUCTION, OTHER = "111111111111", "222222222222", "333333333333"
PRIOR = metrics_json(num_labeled=8, num_identified=6, unknown=4)
BETTER = metrics_json(num_labeled=8, num_identified=7, unknown=3)
ROLE = f"arn:aws:iam::{PRODUCTION}:role/LookoutImport"


class Staging(World):
    """Staging: decides in dry run (WOULD_PROMOTE) and sends approvals to production's bus."""

    def __init__(self, bus: FakeApprovalBus) -> None:
        super().__init__(policy=Policy(dry_run=True, cooldown_hours=0))
        self.registry = FakeRegistry(clock=lambda: self.now, account_id=STAGING)
        self.bus = bus

    def alerter(self) -> Alerter:
        return Alerter(self.ledger, self.topic, approvals=self.bus)

    def evaluator(self) -> EvaluateService:
        return EvaluateService(
            ledger=self.ledger,
            registries={self.registry.registry_id: self.registry},
            policies=PolicySource(self.policy, self.document),
            alerter=self.alerter(),
            watches=lambda _name: True,  # staging watches every model
            approvals=Approvals(environment="staging"),
        )


@dataclass
class Deployments:
    staging: Staging
    production: World
    imports: FakeImports
    settings: ImportSettings = field(
        default_factory=lambda: import_settings(IMPORT_MODEL_MAP="pump-01=pump-01:pump-data")
    )

    def importer(self) -> ImportService:
        production = self.production
        return ImportService(
            ledger=production.ledger,
            registry=production.registry,
            imports=self.imports,
            alerter=production.alerter(),
            roles=FakeRoles({ROLE}),
        )

    def deliver(self, event: dict[str, Any]) -> Any:
        return self.importer().on_approval(event, self.settings, self.production.now)

    def deliver_all(self) -> list[Any]:
        return [self.deliver(event) for event in self.staging.bus.events]

    def share(self, model: str = "pump-01") -> None:
        arn = self.staging.registry.model_arn(model)
        staging_imports = FakeImports(target=self.staging.registry, policies=self.imports.policies)
        apply_share(staging_imports, plan_share(staging_imports, model, PRODUCTION))
        assert arn in self.imports.policies


def import_settings(**values: str) -> ImportSettings:
    settings = watch_settings().model_dump(by_alias=True)
    return ImportSettings.model_validate(
        {**settings, "IMPORT_SOURCE_ACCOUNTS": STAGING, "IMPORT_ROLE_ARN": ROLE, **values}
    )


@pytest.fixture
def worlds() -> Deployments:
    bus = FakeApprovalBus(account_id=STAGING)
    staging = Staging(bus)
    production = World()
    production.registry = FakeRegistry(clock=lambda: production.now, account_id=PRODUCTION)
    imports = FakeImports(
        target=production.registry, sources={STAGING: staging.registry}, datasets={"pump-data"}
    )
    return Deployments(staging, production, imports)


def staging_v1(worlds: Deployments) -> None:
    """Staging's pump-01 with v1 active, seen by its deployment (its baseline)."""
    staging = worlds.staging
    if "pump-01" in staging.registry.models:
        return
    staging.registry.seed_model("pump-01", scheduler="MANUAL")
    staging.registry.add_version("pump-01", model_metrics=PRIOR, activate=True)
    staging.tick()


def approved_in_staging(worlds: Deployments) -> int:
    """Staging's pump-01 v2, retrained better than v1: WOULD_PROMOTE."""
    staging_v1(worlds)
    staging = worlds.staging
    version = staging.retrain("pump-01", model_metrics=BETTER, prior_model_metrics=PRIOR)
    staging.tick()
    return version


def production_from_staging_v1(worlds: Deployments) -> None:
    """Production's pump-01 v1 is an import of staging's v1, active and seen (its baseline)."""
    staging_v1(worlds)
    worlds.share()
    request = ImportRequest(
        source_version_arn=worlds.staging.registry.version_arn("pump-01", 1),
        model_name="pump-01",
        dataset_name="pump-data",
        reason="first production version",
        requested_by="alice",
    )
    record = worlds.importer().request(request, worlds.production.now)
    assert record.version == 1
    worlds.imports.finish("pump-01", 1)
    worlds.production.tick()
    worlds.production.topic.published.clear()


# ------------------------------------------------------------------------------------------ staging


def test_an_approving_decision_sends_one_approval_with_what_it_compared(worlds: Deployments) -> None:
    version = approved_in_staging(worlds)

    (event,) = worlds.staging.bus.events
    detail = event["detail"]
    decision = Decision.model_validate_json(
        worlds.staging.ledger.version("pump-01", version).decision_json or ""
    )
    assert event["account"] == STAGING
    assert detail["source_version_arn"] == worlds.staging.registry.version_arn("pump-01", version)
    assert detail["decision"]["outcome"] == "WOULD_PROMOTE"
    assert detail["decision"]["policy_fingerprint"] == decision.policy_fingerprint
    assert len(detail["decision"]["decision_fingerprint"]) == 16
    assert detail["decision"]["prior_model_metrics"] == PRIOR
    assert detail["decision"]["compared_with_version_arn"] == worlds.staging.registry.version_arn(
        "pump-01", 1
    )
    assert worlds.staging.topic.kinds() == ["WOULD_PROMOTE"]


def test_a_rejected_version_sends_no_approval(worlds: Deployments) -> None:
    staging = worlds.staging
    staging.registry.seed_model("pump-01", scheduler="MANUAL")
    staging.registry.add_version("pump-01", model_metrics=PRIOR, activate=True)
    staging.tick()
    staging.retrain(
        "pump-01", model_metrics=metrics_json(num_labeled=8, num_identified=3), prior_model_metrics=PRIOR
    )

    staging.tick()

    assert staging.bus.events == []


def test_an_approval_the_bus_refuses_is_kept_and_sent_by_the_next_tick_once(worlds: Deployments) -> None:
    worlds.staging.bus.fail = [TransientError("PutEvents: ThrottlingException")]
    approved_in_staging(worlds)
    pending = [a for a in worlds.staging.ledger.pending_alerts() if a.channel is Channel.APPROVAL]
    assert [a.alert_id for a in pending] == ["pump-01#v2#APPROVAL"]

    worlds.staging.tick()
    worlds.staging.tick()

    assert len(worlds.staging.bus.events) == 1
    sent = worlds.staging.ledger.alert("MODEL#pump-01", "pump-01#v2#APPROVAL")
    assert sent is not None
    assert sent.state is AlertState.SENT


# ------------------------------------------------------------------------------------------ production


def test_an_approved_version_is_imported_once_decided_like_for_like_and_promoted(worlds: Deployments) -> None:
    production_from_staging_v1(worlds)
    approved_in_staging(worlds)

    first, duplicate = [*worlds.deliver_all(), worlds.deliver(worlds.staging.bus.events[0])]
    worlds.imports.finish("pump-01", 2)
    worlds.production.tick()

    assert (first.state, first.version, duplicate.version) == (ImportState.IMPORTING, 2, 2)
    assert worlds.imports.calls.count("import_version") == 2  # the first import, and this one
    assert worlds.production.registry.version_numbers("pump-01") == [1, 2]
    record = worlds.production.ledger.version("pump-01", 2)
    assert record is not None
    assert (record.state, record.source_type) == (VersionState.PROMOTED, "IMPORT")
    decision = Decision.model_validate_json(record.decision_json or "")
    compared = decision.result(RuleId.COMPARABLE_WINDOWS)
    assert compared.outcome is RuleOutcome.PASS
    assert "the source deployment's PriorModelMetrics in staging" in compared.message
    assert worlds.production.registry.active_version("pump-01") == 2
    (alert,) = worlds.production.topic.published
    assert alert.kind is AlertKind.PROMOTED
    assert alert.reasons[0].startswith("Imported from pump-01 v2 in account 111111111111")
    assert "the source decided WOULD_PROMOTE in staging" in alert.reasons[0]
    imported = worlds.production.ledger.imports_of("pump-01")[-1]
    assert (imported.state, imported.source_account) == (ImportState.IMPORTED, STAGING)


def test_a_version_of_another_lineage_is_compared_with_the_active_one_and_held(worlds: Deployments) -> None:
    staging_v1(worlds)
    worlds.share()
    production = worlds.production
    production.seed_active_model("pump-01")  # trained here: not staging's lineage
    approved_in_staging(worlds)

    worlds.deliver_all()
    worlds.imports.finish("pump-01", 2)
    production.tick()

    record = production.ledger.version("pump-01", 2)
    assert record is not None
    assert record.outcome == "HOLD"
    decision = Decision.model_validate_json(record.decision_json or "")
    compared = decision.result(RuleId.COMPARABLE_WINDOWS)
    assert (compared.outcome, compared.blocking) == (RuleOutcome.NOT_MEASURABLE, True)
    assert "version 1's own metrics, on its own evaluation window" in compared.message
    assert production.registry.active_version("pump-01") == 1


def test_a_throttled_import_is_retried_with_the_same_token_and_creates_one_version(
    worlds: Deployments,
) -> None:
    production_from_staging_v1(worlds)
    approved_in_staging(worlds)
    worlds.imports.inject(
        "import_version", TransientError("ImportModelVersion: ThrottlingException"), count=2
    )

    (deferred,) = worlds.deliver_all()
    worlds.production.advance(timedelta(minutes=1))
    again = worlds.importer().retry_due(worlds.production.now)
    worlds.production.advance(timedelta(minutes=5))
    (started,) = worlds.importer().retry_due(worlds.production.now)

    assert (deferred.state, deferred.last_error) == (
        ImportState.REQUESTED,
        "ImportModelVersion: ThrottlingException",
    )
    assert [r.state for r in again] == [ImportState.REQUESTED]
    assert (started.state, started.version, started.client_token) == (
        ImportState.IMPORTING,
        2,
        deferred.client_token,
    )
    assert worlds.production.registry.version_numbers("pump-01") == [1, 2]
    assert worlds.production.ledger.pending_imports() == []


def test_without_time_left_an_approval_waits_for_redelivery_and_a_retry_for_the_next_tick(
    worlds: Deployments,
) -> None:
    production_from_staging_v1(worlds)
    approved_in_staging(worlds)
    (event,) = worlds.staging.bus.events
    worlds.imports.inject("import_version", TransientError("ImportModelVersion: ThrottlingException"))
    (deferred,) = worlds.deliver_all()
    worlds.production.advance(timedelta(minutes=5))
    late = replace(worlds.importer(), budget=Budget(lambda: 20_000))  # 20 s left, 5 s kept back
    calls = len(worlds.imports.calls)

    with pytest.raises(OutOfTime):
        late.on_approval_message(json.dumps(event), worlds.settings, worlds.production.now)
    not_asked = late.retry_due(worlds.production.now)
    calls_while_late = len(worlds.imports.calls) - calls
    (started,) = worlds.importer().retry_due(worlds.production.now)

    assert deferred.state is ImportState.REQUESTED
    assert not_asked == []
    assert calls_while_late == 0
    assert (started.state, started.version) == (ImportState.IMPORTING, 2)
    assert worlds.production.registry.version_numbers("pump-01") == [1, 2]


def test_a_busy_model_is_retried_and_after_the_window_refused_with_an_alert(worlds: Deployments) -> None:
    production_from_staging_v1(worlds)
    approved_in_staging(worlds)
    worlds.imports.inject(
        "import_version", ConflictError("ImportModelVersion: ConflictException: busy"), count=99
    )

    worlds.deliver_all()
    worlds.production.advance(timedelta(hours=7))
    (refused,) = worlds.importer().retry_due(worlds.production.now)

    assert refused.state is ImportState.REFUSED
    assert "still not accepted after 6:00:00" in (refused.last_error or "")
    (alert,) = worlds.production.topic.published
    assert (alert.kind, alert.title) == (AlertKind.IMPORT_FAILED, "pump-01: import refused")


def test_an_import_the_source_policy_does_not_allow_is_refused_recorded_and_alerted(
    worlds: Deployments,
) -> None:
    approved_in_staging(worlds)  # never shared with production

    (refused,) = worlds.deliver_all()

    assert refused.state is ImportState.REFUSED
    assert "AccessDeniedException" in (refused.last_error or "")
    assert worlds.production.ledger.imports_of("pump-01") == [refused]
    (alert,) = worlds.production.topic.published
    assert alert.kind is AlertKind.IMPORT_FAILED
    assert "AccessDeniedException" in alert.summary
    assert "steward share" in alert.look_at[0]


@pytest.mark.parametrize(
    ("account", "arn_account", "expected"),
    [
        (OTHER, OTHER, "which IMPORT_SOURCE_ACCOUNTS does not name"),
        (STAGING, OTHER, "names a version of account"),
    ],
)
def test_an_approval_from_an_account_not_named_or_for_another_accounts_version_is_refused(
    worlds: Deployments, account: str, arn_account: str, expected: str
) -> None:
    approved_in_staging(worlds)
    event = json.loads(json.dumps(worlds.staging.bus.events[0]))
    event["account"] = account
    event["detail"]["source_version_arn"] = event["detail"]["source_version_arn"].replace(
        STAGING, arn_account
    )

    assert worlds.deliver(event) is None

    assert worlds.imports.calls == []
    (alert,) = worlds.production.topic.published
    assert alert.kind is AlertKind.CONFIGURATION_PROBLEM
    assert expected in alert.summary


def test_an_unmapped_or_unwatched_model_is_not_imported(worlds: Deployments) -> None:
    approved_in_staging(worlds)
    worlds.settings = import_settings(IMPORT_MODEL_MAP="pump-02=pump-02:pump-data")
    assert worlds.deliver_all() == [None]
    worlds.settings = import_settings(
        IMPORT_MODEL_MAP="pump-01=pump-01:pump-data", WATCH_ALL_MODELS="false", WATCHED_MODELS="other"
    )
    assert worlds.deliver_all() == [None]

    assert worlds.imports.calls == []
    summaries = [a.summary for a in worlds.production.topic.published]
    assert "has no mapping in ImportModelMap" in summaries[0]
    assert "is not watched by this deployment" in summaries[1]


def test_a_failed_import_is_alerted_once_with_the_service_reason(worlds: Deployments) -> None:
    production_from_staging_v1(worlds)
    approved_in_staging(worlds)
    worlds.deliver_all()
    worlds.imports.finish(
        "pump-01", 2, status="FAILED", failed_reason="The source's data could not be copied."
    )

    worlds.production.tick()
    worlds.production.tick("full-sweep")

    (alert,) = worlds.production.topic.published
    assert (alert.kind, alert.title) == (AlertKind.IMPORT_FAILED, "pump-01 v2 import failed")
    assert "The source's data could not be copied" in alert.summary
    assert worlds.production.ledger.version("pump-01", 2).state is VersionState.FAILED  # type: ignore[union-attr]
    assert worlds.production.ledger.imports_of("pump-01")[-1].state is ImportState.FAILED


# ------------------------------------------------------------------------------------------ by hand


def test_an_operators_import_is_checked_followed_to_the_end_and_alerted(worlds: Deployments) -> None:
    approved_in_staging(worlds)
    worlds.share()
    importer = worlds.importer()
    request = ImportRequest(
        source_version_arn=worlds.staging.registry.version_arn("pump-01", 2),
        model_name="pump-01",
        dataset_name="pump-data",
        role_arn=ROLE,
        reason="ahead of the plant restart",
        requested_by="arn:aws:iam::222222222222:user/alice",
    )
    for bad, expected in (
        (request.model_copy(update={"dataset_name": "pump-typo"}), "unknown dataset pump-typo"),
        (request.model_copy(update={"role_arn": ROLE + "-gone"}), "missing role"),
    ):
        with pytest.raises(NotFoundError, match=expected):
            importer.check(bad)
    importer.check(request)
    polls = iter([None, lambda: worlds.imports.finish("pump-01", 1)])
    importer = ImportService(
        ledger=importer.ledger,
        registry=importer.registry,
        imports=importer.imports,
        alerter=importer.alerter,
        sleep=lambda _: (next(polls) or (lambda: None))(),
    )

    record = importer.request(request, worlds.production.now)
    done = importer.wait(
        record, now=lambda: worlds.production.now, timeout=timedelta(hours=1), poll_seconds=0
    )
    again = importer.request(request, worlds.production.now)

    assert (done.state, done.version) == (ImportState.IMPORTED, 1)
    assert again == done
    (alert,) = worlds.production.topic.published
    assert (alert.kind, alert.title) == (AlertKind.MANUAL_ACTION, "pump-01 v1 imported by hand")
    assert "ahead of the plant restart" in alert.reasons[0]


def test_sharing_adds_one_statement_per_account_and_keeps_the_others(worlds: Deployments) -> None:
    staging = worlds.staging.registry
    staging.seed_model("pump-01")
    imports = FakeImports(target=staging)
    arn = staging.model_arn("pump-01")
    imports.policies[arn] = (json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Theirs"}]}), "r1")

    first = plan_share(imports, "pump-01", PRODUCTION)
    apply_share(imports, first)
    again = plan_share(imports, "pump-01", PRODUCTION)

    sids = [s.get("Sid") for s in first.policy["Statement"]]
    assert sids == ["Theirs", f"ModelStewardImportBy{PRODUCTION}"]
    assert again.unchanged
    imports.policies[arn] = (imports.policies[arn][0], "changed")
    with pytest.raises(ConflictError):
        apply_share(imports, first)


def test_the_approval_alerter_of_a_deployment_without_a_bus_leaves_approvals_pending(
    worlds: Deployments,
) -> None:
    approved_in_staging(worlds)
    worlds.staging.bus.events.clear()
    worlds.staging.ledger.alert_failed("MODEL#pump-01", "pump-01#v2#APPROVAL", "made pending for the test")

    delivery = Alerter(worlds.staging.ledger, worlds.staging.topic).retry_pending(worlds.staging.now)

    assert (delivery.sent, delivery.failed, delivery.skipped) == (0, 0, 1)
    stored = worlds.staging.ledger.alert("MODEL#pump-01", "pump-01#v2#APPROVAL")
    assert stored is not None
    assert (stored.state, stored.attempts) == (AlertState.PENDING, 1)  # not leased, not tried again
    assert worlds.staging.bus.events == []
    assert worlds.staging.topic.kinds() == ["WOULD_PROMOTE"]  # the approval is not sent as an alert
