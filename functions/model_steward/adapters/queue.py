"""The evaluate queue: one message per model with something new."""

from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from model_steward.adapters import aws
from model_steward.errors import TransientError
from model_steward.models.messages import EvaluateRequest

_BATCH = 10  # SendMessageBatch's maximum


def send_evaluate_requests(queue_url: str, requests: Sequence[EvaluateRequest]) -> int:
    """Send every request; raise TransientError naming the models SQS refused (after one retry)."""
    sent = 0
    for start in range(0, len(requests), _BATCH):
        batch = {str(i): request for i, request in enumerate(requests[start : start + _BATCH])}
        for attempt in (1, 2):
            try:
                response = aws.sqs().send_message_batch(
                    QueueUrl=queue_url,
                    Entries=[
                        {"Id": key, "MessageBody": request.model_dump_json()}
                        for key, request in batch.items()
                    ],
                )
            except (ClientError, BotoCoreError) as exc:
                raise TransientError(f"SendMessageBatch to the evaluate queue: {exc}") from exc
            sent += len(response.get("Successful", []))
            batch = {f["Id"]: batch[f["Id"]] for f in response.get("Failed", [])}
            if not batch:
                break
            if attempt == 2:
                names = ", ".join(sorted(r.model_name for r in batch.values()))
                raise TransientError(f"the evaluate queue refused messages for: {names}")
    return sent
