"""Small helpers shared by the test suites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """A sample payload from events/ (the same files `sam local invoke -e` takes)."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event
