"""Amazon EventBridge: approvals for another deployment's event bus (``ports.ApprovalPublisher``).

PutEvents accepts the ARN of an event bus in another account when that bus's resource policy
allows this account (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html);
the receiving rules see this account as the event's ``account``. An entry EventBridge refuses
(``FailedEntryCount``) is a TransientError naming its error code, so the ledger keeps the approval
and the next tick sends it again.
"""

from __future__ import annotations

from model_steward.adapters import aws
from model_steward.adapters.errors import call, kind_of
from model_steward.models.imports import APPROVAL_DETAIL_TYPE, APPROVAL_SOURCE, ApprovalEvent


class EventBridgeApprovals:
    """``ports.ApprovalPublisher`` on one event bus (by ARN)."""

    def __init__(self, bus_arn: str) -> None:
        self.bus_arn = bus_arn

    def publish(self, approval: ApprovalEvent) -> str:
        what = f"PutEvents approval of {approval.model_name} v{approval.version} to {self.bus_arn}"
        response = call(
            aws.events(),
            "put_events",
            what,
            Entries=[
                {
                    "Source": APPROVAL_SOURCE,
                    "DetailType": APPROVAL_DETAIL_TYPE,
                    "Detail": approval.model_dump_json(),
                    "Resources": [approval.source_version_arn],
                    "EventBusName": self.bus_arn,
                }
            ],
        )
        (entry,) = response["Entries"]
        if response.get("FailedEntryCount") or "EventId" not in entry:
            code = str(entry.get("ErrorCode", "UnknownError"))
            raise kind_of(code)(f"{what}: {code}: {entry.get('ErrorMessage', '')}".rstrip(": "))
        return str(entry["EventId"])
