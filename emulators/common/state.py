"""The test controls every emulated service's state has: its clock, injected faults, latency and the
record of the API calls it answered. One re-entrant lock guards them and the service's own data."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any


def utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC (a naive datetime is taken as UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass
class Fault:
    code: str
    message: str
    status: int | None
    remaining: int


@dataclass(frozen=True)
class CallRecord:
    """One API call the emulator answered (faulted calls included)."""

    operation: str
    params: dict[str, Any] | None
    status: int
    error_code: str | None
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["at"] = self.at.isoformat()
        return record


class ServiceState:
    """An emulated service's region, account, clock and lock, and the test controls (thread-safe)."""

    def __init__(
        self,
        region: str,
        account_id: str,
        *,
        clock: Callable[[], datetime] | None = None,
        lock: threading.RLock | None = None,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.lock = lock or threading.RLock()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._faults: dict[str, deque[Fault]] = {}
        self._latency: dict[str | None, float] = {}
        self._calls: list[CallRecord] = []

    def now(self) -> datetime:
        moment = utc(self._clock())
        assert moment is not None
        return moment

    # ---------------------------------------------------------------- scenario: faults, latency, calls

    def inject_fault(
        self,
        operation: str,
        code: str,
        *,
        count: int = 1,
        message: str | None = None,
        status: int | None = None,
    ) -> None:
        """The next ``count`` calls of ``operation`` (``"*"``: any operation) fail with ``code``.

        Faults are answered before the request is validated, in the order they were injected; an
        operation's own faults are used before ``"*"`` faults. HTTP status: the one the service
        answers ``code`` with (its ``ServiceError``), unless ``status`` is given.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        with self.lock:
            fault = Fault(code, message or f"Injected {code} for {operation}.", status, count)
            self._faults.setdefault(operation, deque()).append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def take_fault(self, operation: str) -> Fault | None:
        """Consume one injected fault for this call, if any."""
        with self.lock:
            for key in (operation, "*"):
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        queue.popleft()
                    return fault
            return None

    def set_latency(self, operation: str | None, seconds: float | None) -> None:
        """Delay answers to ``operation`` (``None``: all operations) by ``seconds`` (``None``/0: none)."""
        with self.lock:
            if seconds:
                self._latency[operation] = float(seconds)
            else:
                self._latency.pop(operation, None)

    def latency(self, operation: str) -> float:
        with self.lock:
            return self._latency.get(operation, self._latency.get(None, 0.0))

    def record_call(
        self, operation: str, params: dict[str, Any] | None, status: int, error_code: str | None
    ) -> None:
        with self.lock:
            self._calls.append(CallRecord(operation, params, status, error_code, self.now()))

    @property
    def calls(self) -> list[CallRecord]:
        """The API calls answered so far, oldest first (a copy)."""
        with self.lock:
            return list(self._calls)

    def call_count(self, operation: str | None = None) -> int:
        with self.lock:
            return sum(1 for call in self._calls if operation is None or call.operation == operation)

    def reset_calls(self) -> None:
        with self.lock:
            self._calls.clear()
