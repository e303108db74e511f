"""Amazon SQS: the evaluate queue (one message per model with news) and the Slack dead-letter queue."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from model_steward.adapters import aws
from model_steward.adapters.errors import call
from model_steward.errors import TransientError
from model_steward.models.messages import EvaluateRequest

_BATCH = 10  # SendMessageBatch's maximum


class SqsEvaluateQueue:
    """``ports.EvaluateQueue``."""

    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def send_evaluate_requests(self, requests: Sequence[EvaluateRequest]) -> int:
        """Send every request; raise TransientError naming the models SQS refused (after one retry)."""
        sent = 0
        for start in range(0, len(requests), _BATCH):
            batch = {str(i): request for i, request in enumerate(requests[start : start + _BATCH])}
            for attempt in (1, 2):
                response = call(
                    aws.sqs(),
                    "send_message_batch",
                    "SendMessageBatch to the evaluate queue",
                    QueueUrl=self.queue_url,
                    Entries=[
                        {"Id": key, "MessageBody": request.model_dump_json()}
                        for key, request in batch.items()
                    ],
                )
                sent += len(response.get("Successful", []))
                batch = {f["Id"]: batch[f["Id"]] for f in response.get("Failed", [])}
                if not batch:
                    break
                if attempt == 2:
                    names = ", ".join(sorted(r.model_name for r in batch.values()))
                    raise TransientError(f"the evaluate queue refused messages for: {names}")
        return sent


class SqsDeadLetterQueue:
    """``ports.DeadLetterQueue``: one JSON body per message."""

    def __init__(self, queue_url: str, *, name: str) -> None:
        self.queue_url = queue_url
        self.name = name

    def send(self, body: Mapping[str, Any]) -> None:
        call(
            aws.sqs(),
            "send_message",
            f"SendMessage to the {self.name}",
            QueueUrl=self.queue_url,
            MessageBody=json.dumps(body),
        )
