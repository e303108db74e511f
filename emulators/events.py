"""EventBridge between accounts in the local stack: PutEvents to an event bus of another account.

EventBridge lets a principal put events on an event bus of another account by its ARN when the
bus's resource policy allows ``events:PutEvents`` to that principal's account
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html); the event keeps
the sender's ``account``, so the receiving rules can match on it. moto looks a bus ARN up by its
name in the caller's own account instead: :class:`CrossAccountEvents` routes such entries to the
named account's bus, in process (the moto server runs in this process), and delivers them to that
bus's rules as moto does for its own (an SQS target receives the event), whole: moto's own
delivery rewrites an event without an input transformer through a template that drops its
``account``, which EventBridge delivers. Who may send is authorised beforehand by
``emulators.iam`` (the caller's policies and the bus policy).
"""

from __future__ import annotations

import copy
import json
from typing import Any

_PATCHED = "put_events"


class CrossAccountEvents:
    """Installs, for the life of a local cloud, the cross-account routing described above."""

    def __init__(self) -> None:
        self._original: Any = None

    def install(self) -> None:
        from moto.events.models import EventsBackend

        if self._original is not None:
            return
        original = EventsBackend.__dict__[_PATCHED]
        self._original = original

        def put_events(backend: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
            answers: list[dict[str, Any] | None] = [None] * len(entries)
            local: list[tuple[int, dict[str, Any]]] = []
            for index, entry in enumerate(entries):
                target = _other_account_bus(backend, entry.get("EventBusName"))
                if target is None:
                    local.append((index, entry))
                else:
                    answers[index] = _deliver(backend, target, entry)
            for (index, _), answer in zip(local, original(backend, [e for _, e in local]), strict=True):
                answers[index] = answer
            return [answer or {} for answer in answers]

        setattr(EventsBackend, _PATCHED, put_events)

    def uninstall(self) -> None:
        from moto.events.models import EventsBackend

        if self._original is not None:
            setattr(EventsBackend, _PATCHED, self._original)
            self._original = None


def _other_account_bus(backend: Any, bus: str | None) -> tuple[str, str, str] | None:
    """(account, region, bus name) of a bus ARN naming another account or region, else None."""
    if not bus or not bus.startswith("arn:"):
        return None
    parts = bus.split(":", 5)
    account, region, name = parts[4], parts[3], parts[5].split("/", 1)[-1]
    if (account, region) == (backend.account_id, backend.region_name):
        return None
    return account, region, name


def _deliver(sender: Any, target: tuple[str, str, str], entry: dict[str, Any]) -> dict[str, Any]:
    from moto.core.utils import unix_time
    from moto.events.models import _BASE_EVENT_MESSAGE, events_backends  # type: ignore[attr-defined]
    from moto.moto_api._internal import mock_random

    account, region, name = target
    bus = events_backends[account][region].event_buses.get(name)
    if bus is None:
        return {"ErrorCode": "ResourceNotFoundException", "ErrorMessage": f"Event bus {name} does not exist."}
    if not entry.get("Source") or not entry.get("DetailType") or not entry.get("Detail"):
        return {"ErrorCode": "InvalidArgument", "ErrorMessage": "Source, DetailType and Detail are required."}
    try:
        detail = json.loads(entry["Detail"])
    except ValueError:
        return {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    event_id = str(mock_random.uuid4())
    for rule in list(bus.rules.values()):
        message = copy.deepcopy(_BASE_EVENT_MESSAGE)
        message.update(
            {
                "id": event_id,
                "detail-type": entry["DetailType"],
                "source": entry["Source"],
                "account": sender.account_id,  # the sender's, as EventBridge keeps it
                "time": entry.get("Time", unix_time()),
                "region": region,
                "resources": entry.get("Resources", []),
                "detail": detail,
                "ingestion-time": unix_time(),
            }
        )
        transformed = any("InputTransformer" in target for target in rule.targets)
        if not transformed:
            message.pop("ingestion-time")
        rule.send_to_targets(message, transform_input=transformed)
    return {"EventId": event_id}
