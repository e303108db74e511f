"""DynamoDB's idempotent transactions, which moto lacks.

``TransactWriteItems`` takes a ``ClientRequestToken``: "multiple identical calls have the same
effect as one single call"; for 10 minutes after the first, a call with the same token and the same
items succeeds without changing anything, and one with other items fails with
``IdempotentParameterMismatchException``
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
botocore fills the token in (the service model marks it ``idempotencyToken``) once per call and
sends it again with each retry, so a transaction whose first attempt was applied but whose
response was lost (a read timeout) succeeds when it is retried. The ledger's conditional records
rely on that: without it, the retry's condition fails against the item the first attempt wrote,
and a version stays PROMOTING until the next full sweep completes it. moto ignores the token:
:class:`IdempotentTransactions` gives the local stack the service's behaviour.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

WINDOW_SECONDS = 600.0
_PATCHED = "transact_write_items"


class IdempotentTransactions:
    """Installs, for the life of a local cloud (or a test's moto), the behaviour described above."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._original: Any = None
        self._seen: dict[tuple[str, str, str], tuple[str, float, Any]] = {}
        self._lock = threading.Lock()

    def install(self) -> None:
        from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
        from moto.dynamodb.responses import DynamoHandler

        if self._original is not None:
            return
        original = DynamoHandler.__dict__[_PATCHED]
        self._original = original
        seen, lock, clock = self._seen, self._lock, self._clock

        def transact_write_items(handler: Any) -> Any:
            token = handler.body.get("ClientRequestToken")
            if not token:
                return original(handler)
            key = (handler.current_account, handler.region, token)
            items = json.dumps(handler.body.get("TransactItems"), sort_keys=True)
            with lock:  # one transaction at a time per token, as the service serialises them
                now = clock()
                earlier = seen.get(key)
                if earlier is not None and now - earlier[1] < WINDOW_SECONDS:
                    if earlier[0] != items:
                        raise DynamodbException(
                            ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
                            "The request uses the same client token as a previous, but non-identical "
                            "request. Do not reuse a client token with different requests, unless the "
                            "requests are identical.",
                        )
                    return earlier[2]
                answer = original(handler)
                seen[key] = (items, now, answer)
                return answer

        setattr(DynamoHandler, _PATCHED, transact_write_items)

    def uninstall(self) -> None:
        from moto.dynamodb.responses import DynamoHandler

        if self._original is not None:
            setattr(DynamoHandler, _PATCHED, self._original)
            self._original = None
        self._seen.clear()
