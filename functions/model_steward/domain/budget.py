"""The time an invocation has left (pure: the remaining time comes from a function it is given).

A handler builds one from its Lambda context (``Budget(context.get_remaining_time_in_millis)``) and
hands it to the service; the service asks ``allows(seconds)`` before it takes the next piece of
work (a queued record, a pending alert), and the adapters refuse to start an AWS call attempt that
could not end in time (``adapters.aws``). ``margin`` is kept back for what follows the last piece
of work: recording the batch's result, flushing metrics. Tests give it a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable

from model_steward.domain.formatting import duration
from model_steward.errors import OutOfTime

DEFAULT_MARGIN_SECONDS = 5.0


class Budget:
    def __init__(
        self, remaining_ms: Callable[[], int] | None = None, *, margin: float = DEFAULT_MARGIN_SECONDS
    ) -> None:
        self._remaining_ms = remaining_ms
        self.margin = margin

    @classmethod
    def unlimited(cls) -> Budget:
        """No deadline (the CLI, a test that does not care)."""
        return cls(None, margin=0.0)

    @property
    def limited(self) -> bool:
        return self._remaining_ms is not None

    def left(self) -> float:
        """Seconds left before the margin (negative once inside it); infinite when unlimited."""
        if self._remaining_ms is None:
            return float("inf")
        return self._remaining_ms() / 1000 - self.margin

    def allows(self, seconds: float) -> bool:
        """Whether work that may take ``seconds`` ends before the margin."""
        return self.left() >= seconds

    def require(self, seconds: float, what: str) -> None:
        """Raise OutOfTime unless ``what`` (which may take ``seconds``) can end in time."""
        if not self.allows(seconds):
            raise OutOfTime(
                f"{what} not started: it may take {duration(seconds)} and {duration(max(self.left(), 0))} "
                f"are left before the function's last {duration(self.margin)}"
            )
