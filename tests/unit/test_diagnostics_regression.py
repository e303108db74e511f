"""The summary contract holds across implementations: generated files give the recorded results.

The expectations were recorded from the implementation the contract was first released with
(``python -m benchmarks.diagnostics_compare --record tests/unit/data/diagnostics_regression.json.gz``,
against ff47092): same events, counts, top sensors and contributions, same percentiles, and the
same place named for a refused file.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.diagnostics_cases import broken_cases, cases
from benchmarks.diagnostics_compare import comparable
from model_steward.domain.diagnostics import DiagnosticsFormatError, read_diagnostics

EXPECTED: dict[str, Any] = json.loads(
    gzip.decompress((Path(__file__).parent / "data" / "diagnostics_regression.json.gz").read_bytes())
)
FILES = {**cases(), **broken_cases()}


def result_of(data: bytes) -> dict[str, Any]:
    try:
        summary = read_diagnostics(io.BytesIO(data)).summary
    except DiagnosticsFormatError as exc:
        return {"error": {"line": exc.line, "record": exc.record, "offset": exc.offset}}
    return {"summary": summary.model_dump(mode="json")}


def test_every_case_has_an_expectation() -> None:
    assert sorted(FILES) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(FILES))
def test_same_result_as_recorded(name: str) -> None:
    assert comparable(name, result_of(FILES[name])) == EXPECTED[name]
