"""Numbers and durations as a person reads them, shared by decisions and alerts (pure)."""

from __future__ import annotations

from datetime import UTC, datetime


def num(value: float, places: int = 3) -> str:
    """At most ``places`` decimals, no trailing zeros, never "-0": 0.875, 2, 0.5."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def duration(seconds: float) -> str:
    """A duration a person reads: 45 s, 12.5 min, 3.2 h, 4.1 days."""
    if seconds < 120:
        return f"{num(seconds, 1)} s"
    if seconds < 2 * 3600:
        return f"{num(seconds / 60, 1)} min"
    if seconds < 48 * 3600:
        return f"{num(seconds / 3600, 1)} h"
    return f"{num(seconds / 86400, 1)} days"


def timestamp(moment: str | datetime) -> str:
    """A moment as a person reads it, in UTC: ``2026-09-23 22:00 UTC`` (seconds only when not zero).

    A string is read as ISO 8601 (the service's ``2026-09-23T22:00:00.000000``); one without an
    offset, and a naive datetime, are taken as UTC. A string that is not ISO 8601 is returned as is.
    """
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    else:
        parsed = moment
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    shown = parsed.strftime("%Y-%m-%d %H:%M:%S" if parsed.second or parsed.microsecond else "%Y-%m-%d %H:%M")
    return f"{shown} UTC"
