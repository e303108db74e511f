"""What changed between two versions of the per-model policy overrides document (pure).

The document is compared as JSON, key by key (``models.pump-01.dry_run``), so an alert can say
which keys changed and from what to what. A version that is not JSON at all is one value, the
whole document, named by its fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from model_steward.domain.messages import shorten

ABSENT = "absent"
"""The fingerprint of a document that does not exist."""
_MAX_VALUE_CHARS = 80


def fingerprint(text: str | None) -> str:
    """The document's fingerprint (``absent`` when there is none)."""
    if text is None:
        return ABSENT
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Change:
    key: str
    old: str | None  # None: the key was not there
    new: str | None  # None: the key is gone

    def sentence(self) -> str:
        if self.old is None:
            return f"{self.key} added: {self.new}"
        if self.new is None:
            return f"{self.key} removed (was {self.old})"
        return f"{self.key}: {self.old} -> {self.new}"


def _shown(value: Any) -> str:
    return shorten(json.dumps(value, ensure_ascii=False, sort_keys=True), _MAX_VALUE_CHARS)


def _flat(value: Any, path: str, out: dict[str, str]) -> None:
    if isinstance(value, Mapping) and value:
        for key in sorted(value, key=str):
            _flat(value[key], f"{path}.{key}" if path else str(key), out)
    else:
        out[path or "(document)"] = _shown(value)


def _values(text: str | None) -> dict[str, str]:
    if text is None:
        return {}
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return {"(document)": f"not valid JSON (fingerprint {fingerprint(text)})"}
    values: dict[str, str] = {}
    _flat(document, "", values)
    return values


def changes(old: str | None, new: str | None) -> list[Change]:
    """Every key whose value differs, in key order. ``None``: the document did not exist."""
    before, after = _values(old), _values(new)
    return [
        Change(key, before.get(key), after.get(key))
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]


def loosened(found: list[Change]) -> list[Change]:
    """The changes that let more through: dry run turned off, a rule disabled (set to null)."""
    return [
        c
        for c in found
        if (c.key.endswith("dry_run") and c.new == "false") or (c.new == "null" and c.old != "null")
    ]
