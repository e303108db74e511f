"""ISO 8601 durations as Lookout for Equipment writes them (``P1M``, ``P30D``, ``P3M``, ``P180D``).

The retraining scheduler's ``RetrainingFrequency`` and ``LookbackWindow`` are durations of years,
months, weeks and days; a time part (``PT12H``) is accepted too. Months and years are calendar
units: :meth:`Duration.after` adds them on the calendar (31 January + P1M = 28/29 February), and
:meth:`Duration.nominal` counts a month as 30 days and a year as 365 where one number is needed.
Pure: no I/O.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_PATTERN = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


@dataclass(frozen=True)
class Duration:
    years: int = 0
    months: int = 0
    days: int = 0
    seconds: int = 0

    def after(self, moment: datetime) -> datetime:
        """``moment`` plus this duration, months and years on the calendar (day clamped)."""
        index = moment.month - 1 + self.months + 12 * self.years
        year, month = moment.year + index // 12, index % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day) + timedelta(
            days=self.days, seconds=self.seconds
        )

    def nominal(self) -> timedelta:
        """The duration as one timedelta: a month is 30 days, a year 365."""
        return timedelta(days=365 * self.years + 30 * self.months + self.days, seconds=self.seconds)

    @property
    def nominal_days(self) -> float:
        return self.nominal().total_seconds() / 86400

    def __str__(self) -> str:
        date = "".join(
            f"{n}{unit}" for n, unit in ((self.years, "Y"), (self.months, "M"), (self.days, "D")) if n
        )
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
        text = "P" + date + (f"T{time}" if time else "")
        return text if text != "P" else "P0D"


def parse_duration(text: str) -> Duration:
    """``P1M`` -> Duration(months=1). Raises ValueError for anything that is not a duration."""
    match = _PATTERN.match(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    parts = {name: int(value) for name, value in match.groupdict().items() if value is not None}
    return Duration(
        years=parts.get("years", 0),
        months=parts.get("months", 0),
        days=parts.get("days", 0) + 7 * parts.get("weeks", 0),
        seconds=3600 * parts.get("hours", 0) + 60 * parts.get("minutes", 0) + parts.get("seconds", 0),
    )


def try_parse_duration(text: str | None) -> Duration | None:
    """The duration, or None when ``text`` is absent or not a duration."""
    if not text:
        return None
    try:
        return parse_duration(text)
    except ValueError:
        return None


__all__ = ["Duration", "parse_duration", "try_parse_duration"]
