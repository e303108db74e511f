"""The composition root: builds the real adapters and hands them to the services.

Handlers call one of these once per invocation (clients are cached per process by
``adapters.aws``, so a warm function reuses its connections); the CLI builds what a command needs
the same way. Tests build the services with in-memory fakes instead (``tests/fakes``).

Each factory imports what it builds when it runs, so a function loads only its own dependencies
(the watch function never imports the diagnostics parser or slack_sdk): a shorter cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model_steward.adapters.sitewise import SiteWiseRegistry
    from model_steward.models.settings import (
        CommonSettings,
        DiagnosticsSettings,
        EvaluateSettings,
        SlackNotifierSettings,
        WatchSettings,
    )
    from model_steward.ports import Ledger, ModelRegistry
    from model_steward.service.alerting import Alerter
    from model_steward.service.diagnostics import DiagnosticsService
    from model_steward.service.evaluate import EvaluateService
    from model_steward.service.slack import SlackNotifier
    from model_steward.service.watch import WatchService


def ledger(table_name: str) -> Ledger:
    from model_steward.adapters.ledger import DynamoLedger

    return DynamoLedger(table_name)


def registry(
    region: str,
    *,
    backend: str = "lookout",
    sitewise_facts: str = "",
    sitewise_models: tuple[str, ...] = (),
) -> ModelRegistry:
    """The model registry this deployment governs: Amazon Lookout for Equipment (``lookout``), AWS IoT
    SiteWise anomaly detection (``sitewise``), or both, each model routed by its name (``both``)."""
    from model_steward.adapters.lookout import LookoutRegistry

    if backend == "lookout":
        return LookoutRegistry(region)
    sitewise = sitewise_registry(region, facts_text=sitewise_facts, models=sitewise_models)
    if backend == "sitewise":
        return sitewise
    from model_steward.adapters.registries import RegistryRouter

    return RegistryRouter(LookoutRegistry(region), sitewise)


def deployment_registry(settings: CommonSettings) -> ModelRegistry:
    """The registry a function's settings name (MODEL_REGISTRY, SITEWISE_FACTS, ...)."""
    return registry(
        settings.region,
        backend=settings.model_registry,
        sitewise_facts=settings.sitewise_facts,
        sitewise_models=settings.sitewise_models,
    )


def sitewise_registry(region: str, *, facts_text: str = "", models: tuple[str, ...] = ()) -> SiteWiseRegistry:
    """AWS IoT SiteWise anomaly detection, reading undocumented facts where ``facts_text`` says."""
    from model_steward.adapters.sitewise import SiteWiseRegistry
    from model_steward.models.sitewise import SiteWiseFacts

    return SiteWiseRegistry(region, facts=SiteWiseFacts.parse(facts_text), models=models)


def alerter(
    ledger: Ledger, topic_arn: str, *, chatbot_topic_arn: str | None = None, digest_threshold: int = 10
) -> Alerter:
    """Every configured channel: the alert topic, and the Amazon Q Developer topic when set."""
    from model_steward.adapters.sns import ChatbotPublisher, SnsAlertPublisher
    from model_steward.service.alerting import Alerter

    copy = ChatbotPublisher(chatbot_topic_arn) if chatbot_topic_arn else None
    return Alerter(ledger, SnsAlertPublisher(topic_arn), copy, digest_threshold=digest_threshold)


def _alerter(settings: CommonSettings, ledger: Ledger) -> Alerter:
    return alerter(
        ledger,
        settings.alert_topic_arn,
        chatbot_topic_arn=settings.chatbot_topic_arn,
        digest_threshold=settings.alert_digest_threshold,
    )


def watch(settings: WatchSettings) -> WatchService:
    from model_steward.adapters.queue import SqsEvaluateQueue
    from model_steward.service.watch import WatchService

    table = ledger(settings.ledger_table_name)
    return WatchService(
        settings=settings,
        ledger=table,
        registry=deployment_registry(settings),
        queue=SqsEvaluateQueue(settings.evaluate_queue_url),
        alerter=_alerter(settings, table),
    )


def evaluate(settings: EvaluateSettings) -> EvaluateService:
    from model_steward.adapters.parameters import SsmPolicyDocument
    from model_steward.service.evaluate import EvaluateService, PolicySource

    table = ledger(settings.ledger_table_name)
    from model_steward.adapters.registries import RegistryRouter

    governed = deployment_registry(settings)
    # A request names the registry that listed its model: the router's, or (queued before the
    # deployment governed both) one member's.
    members = governed.members if isinstance(governed, RegistryRouter) else ()
    document = SsmPolicyDocument(settings.policy_parameter_name) if settings.policy_parameter_name else None
    return EvaluateService(
        ledger=table,
        registries={r.registry_id: r for r in (governed, *members)},
        policies=PolicySource(settings.base_policy(), document),
        alerter=_alerter(settings, table),
    )


def diagnostics(settings: DiagnosticsSettings) -> DiagnosticsService:
    from model_steward.adapters.s3 import S3ObjectStore
    from model_steward.service.diagnostics import DiagnosticsService

    table = ledger(settings.ledger_table_name)
    return DiagnosticsService(
        ledger=table,
        registry=deployment_registry(settings),
        store=S3ObjectStore(),
        alerter=_alerter(settings, table),
        region=settings.region,
        reports_prefix=settings.reports_prefix,
    )


def slack_notifier(settings: SlackNotifierSettings) -> SlackNotifier:
    from model_steward.adapters.queue import SqsDeadLetterQueue
    from model_steward.adapters.secrets import SecretsManagerWebhook
    from model_steward.adapters.slack import SlackWebhookTransport
    from model_steward.service.slack import SlackNotifier

    return SlackNotifier(
        secret=SecretsManagerWebhook(settings.slack_webhook_secret_arn),
        transport=SlackWebhookTransport(),
        dead_letters=SqsDeadLetterQueue(settings.slack_dead_letter_queue_url, name="Slack dead-letter queue"),
    )
