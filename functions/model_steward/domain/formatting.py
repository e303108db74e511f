"""Numbers and durations as a person reads them, shared by decisions and alerts (pure)."""

from __future__ import annotations


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
