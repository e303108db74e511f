"""Numbers, changes, durations and timestamps as a person reads them: the one style of every
decision, alert, report, finding and terminal line (pure).

- numbers: at most N decimals, no trailing zeros, never "-0" (``0.875``, ``2``, ``0.5``);
- changes: signed, and zero unsigned (``+0.125``, ``-3``, ``0``), percentages likewise
  (``+12.5%``, ``0%``);
- durations: one decimal in the largest unit that keeps the number readable (``45 s``,
  ``12.5 min``, ``3.2 h``, ``4.1 days``): 750 s reads ``12.5 min`` everywhere; durations shown
  side by side share one unit (``2 days`` beside ``1.3 days``, not ``2 days`` beside ``32 h``), with
  enough decimals to tell different values apart;
- timestamps: UTC to the minute (``2026-11-22 09:15 UTC``), ``-`` when unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime

UNKNOWN = "-"


def num(value: float, places: int = 3) -> str:
    """At most ``places`` decimals, no trailing zeros, never "-0": 0.875, 2, 0.5."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def signed(value: float, places: int = 3) -> str:
    """A change: ``+0.125``, ``-3``; zero has no sign (``0``)."""
    text = num(value, places)
    return text if text == "0" or text.startswith("-") else "+" + text


def percent(fraction: float, places: int = 1) -> str:
    """A share as a percentage: 0.125 -> ``12.5%``."""
    return f"{num(fraction * 100, places)}%"


def percent_change(fraction: float, places: int = 1) -> str:
    """A relative change as a signed percentage: -0.25 -> ``-25%``, 0 -> ``0%``."""
    return f"{signed(fraction * 100, places)}%"


_UNITS = ((" s", 1.0), (" min", 60.0), (" h", 3600.0), (" days", 86400.0))


def _unit(seconds: float) -> tuple[str, float]:
    size = abs(seconds)
    if size < 120:
        return _UNITS[0]
    if size < 2 * 3600:
        return _UNITS[1]
    if size < 48 * 3600:
        return _UNITS[2]
    return _UNITS[3]


def duration(seconds: float) -> str:
    """A duration a person reads: 45 s, 12.5 min, 3.2 h, 4.1 days (negative ones keep the sign)."""
    suffix, size = _unit(seconds)
    return f"{num(seconds / size, 1)}{suffix}"


def durations(*seconds: float | None) -> list[str | None]:
    """Durations shown side by side, in one unit (the one the largest calls for), with one decimal,
    or up to three when one decimal would show two different values alike; None stays None."""
    known = [value for value in seconds if value is not None]
    if not known:
        return [None for _ in seconds]
    suffix, size = _unit(max(known, key=abs))
    places = 1
    while places < 3 and len({num(v / size, places) for v in known}) < len(set(known)):
        places += 1
    return [None if value is None else f"{num(value / size, places)}{suffix}" for value in seconds]


def hours(value: float) -> str:
    """A number of hours as configured (a policy's cooldown): ``24 h``, ``1.5 h``."""
    return f"{num(value, 1)} h"


def timestamp(moment: datetime | str | None) -> str:
    """A moment as a person reads it, in UTC, to the minute: ``2026-09-23 22:00 UTC``; ``-`` when
    unknown.

    A string is read as ISO 8601 (the service's ``2026-09-23T22:00:00.000000``); one without an
    offset, and a naive datetime, are taken as UTC. A string that is not ISO 8601 is shown as it is.
    """
    if moment is None or moment == "":
        return UNKNOWN
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
        moment = parsed
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


__all__ = ["duration", "durations", "hours", "num", "percent", "percent_change", "signed", "timestamp"]
