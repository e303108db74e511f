"""The composition root: builds the real adapters and hands them to the services.

Handlers call their function's factory once per invocation (clients are cached per process by
``adapters.aws``, so a warm function reuses its connections); the CLI builds what a command needs
the same way. Tests build the services with in-memory fakes instead (``tests/fakes``).

One module per Lambda function (``compose.watch``, ``compose.evaluate``, ``compose.diagnostics``,
``compose.slack_notifier``), and this package's shared factories import what they build only when
they run: a function's package holds, and its cold start loads, only its own dependencies (the
packager follows imports, so the watch function never ships the diagnostics parser or slack_sdk).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model_steward.adapters.sitewise import SiteWiseRegistry
    from model_steward.domain.budget import Budget
    from model_steward.models.settings import CommonSettings
    from model_steward.ports import Ledger, ModelRegistry
    from model_steward.service.alerting import Alerter


def ledger(table_name: str) -> Ledger:
    from model_steward.adapters.ledger import DynamoLedger

    return DynamoLedger(table_name)


def registry(
    region: str,
    *,
    backend: str = "lookout",
    sitewise_facts: str = "",
    sitewise_models: tuple[str, ...] | None = None,
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


def sitewise_registry(
    region: str, *, facts_text: str = "", models: tuple[str, ...] | None = None
) -> SiteWiseRegistry:
    """AWS IoT SiteWise anomaly detection, reading undocumented facts where ``facts_text`` says;
    ``models``: the computation models listed (None: every one)."""
    from model_steward.adapters.sitewise import SiteWiseRegistry
    from model_steward.models.sitewise import SiteWiseFacts

    return SiteWiseRegistry(region, facts=SiteWiseFacts.parse(facts_text), models=models)


def deployment_registry(settings: CommonSettings) -> ModelRegistry:
    """The registry a function's settings name (MODEL_REGISTRY, SITEWISE_FACTS, ...)."""
    return registry(
        settings.region,
        backend=settings.model_registry,
        sitewise_facts=settings.sitewise_facts,
        sitewise_models=settings.sitewise_scope,
    )


def registries_by_id(governed: ModelRegistry) -> dict[str, ModelRegistry]:
    """The registry and, for both, each member by its id: a request names the registry that listed
    its model (the router's, or a member's when queued before the deployment governed both)."""
    from model_steward.adapters.registries import RegistryRouter

    members = governed.members if isinstance(governed, RegistryRouter) else ()
    return {r.registry_id: r for r in (governed, *members)}


def alerter(
    ledger: Ledger,
    topic_arn: str,
    *,
    chatbot_topic_arn: str | None = None,
    digest_threshold: int = 10,
    approval_bus_arn: str = "",
    budget: Budget | None = None,
) -> Alerter:
    """Every configured channel: the alert topic, and the Amazon Q Developer topic when set; and
    the approval bus, when this deployment sends approvals."""
    from model_steward.adapters.sns import ChatbotPublisher, SnsAlertPublisher
    from model_steward.service.alerting import Alerter

    copy = ChatbotPublisher(chatbot_topic_arn) if chatbot_topic_arn else None
    approvals = None
    if approval_bus_arn:
        from model_steward.adapters.events import EventBridgeApprovals

        approvals = EventBridgeApprovals(approval_bus_arn)
    return Alerter(
        ledger,
        SnsAlertPublisher(topic_arn),
        copy,
        digest_threshold=digest_threshold,
        approvals=approvals,
        budget=budget,
        seconds_per_alert=seconds_per_alert(),
    )


def seconds_per_alert() -> float:
    """The worst case of sending one alert: lease it, publish it, mark it sent (2 x 12 + 24 = 48 s
    with adapters.aws.LIMITS; an approval's PutEvents is no slower); the best-effort Amazon Q copy
    is cut short by the budget if need be."""
    from model_steward.adapters import aws

    return 2 * aws.limits("dynamodb").worst_case + aws.limits("sns").worst_case


def within(budget: Budget | None) -> None:
    """Keep this invocation's AWS calls within ``budget`` (adapters.aws refuses a late attempt)."""
    from model_steward.adapters import aws

    aws.use_budget(budget)


def alerter_for(settings: CommonSettings, ledger: Ledger, budget: Budget | None = None) -> Alerter:
    """The function's alerter; with APPROVAL_BUS_ARN set (a source deployment's watch and evaluate
    functions), it also delivers the approvals the ledger holds for that bus."""
    return alerter(
        ledger,
        settings.alert_topic_arn,
        chatbot_topic_arn=settings.chatbot_topic_arn,
        digest_threshold=settings.alert_digest_threshold,
        approval_bus_arn=approval_bus_arn(),
        budget=budget,
    )


def approval_bus_arn() -> str:
    """The event bus this deployment sends approvals to ("" when it sends none)."""
    from model_steward.models.imports import ApprovalSettings
    from model_steward.models.settings import load_settings

    settings: ApprovalSettings = load_settings(ApprovalSettings)
    return settings.approval_bus_arn


def cli_target(settings: CommonSettings) -> str:
    """How the `steward` commands named in this deployment's alerts reach it."""
    from model_steward.domain.links import cli_target as target

    return target(settings.stack_name or None, settings.region)
