"""The Slack notifier's wiring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model_steward.compose import within

if TYPE_CHECKING:
    from model_steward.domain.budget import Budget
    from model_steward.models.settings import SlackNotifierSettings
    from model_steward.service.slack import SlackNotifier


def slack_notifier_service(settings: SlackNotifierSettings, budget: Budget | None = None) -> SlackNotifier:
    from model_steward.adapters.queue import SqsDeadLetterQueue
    from model_steward.adapters.secrets import SecretsManagerWebhook
    from model_steward.adapters.slack import SlackWebhookTransport
    from model_steward.service.slack import SlackNotifier

    within(budget)  # the secret's read and the dead-letter queue's send
    return SlackNotifier(
        secret=SecretsManagerWebhook(settings.slack_webhook_secret_arn),
        transport=SlackWebhookTransport(),
        dead_letters=SqsDeadLetterQueue(settings.slack_dead_letter_queue_url, name="Slack dead-letter queue"),
    )
