"""Inflating in a second thread while decoding (the CLI's ``overlap``) changes nothing but the time."""

from __future__ import annotations

import gzip
import io
import threading
from collections.abc import Iterator
from functools import cache

import pytest

from benchmarks import diagnostics_cases
from model_steward.domain.diagnostics import DiagnosticsFormatError, read_diagnostics
from model_steward.domain.diagnostics.inflate import read_ahead

cases = cache(diagnostics_cases.cases)  # generated once for every parameter
broken_cases = cache(diagnostics_cases.broken_cases)


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "diagnostics-read-ahead"]


@pytest.mark.parametrize("name", sorted(cases()))
def test_given_every_accepted_case_when_read_with_overlap_then_the_same_result(name: str) -> None:
    data = cases()[name]

    alone = read_diagnostics(io.BytesIO(data))
    overlapped = read_diagnostics(io.BytesIO(data), overlap=True)

    assert overlapped.summary == alone.summary
    assert overlapped.series == alone.series
    assert _readers() == []


@pytest.mark.parametrize("name", sorted(broken_cases()))
def test_given_a_broken_file_when_read_with_overlap_then_the_same_error(name: str) -> None:
    data = broken_cases()[name]
    with pytest.raises(DiagnosticsFormatError) as alone:
        read_diagnostics(io.BytesIO(data))

    with pytest.raises(DiagnosticsFormatError) as overlapped:
        read_diagnostics(io.BytesIO(data), overlap=True)

    assert str(overlapped.value) == str(alone.value)
    assert _readers() == []


def test_given_a_stream_that_fails_when_read_with_overlap_then_its_own_exception_reaches_the_caller() -> None:
    class Dropped(io.RawIOBase):
        def __init__(self) -> None:
            self.data = io.BytesIO(
                gzip.compress(b'{"timestamp": "2026-01-01T00:00:00", "prediction": 0}\n' * 9)
            )

        def read(self, size: int = -1, /) -> bytes:
            if self.data.tell() > 20:
                raise ConnectionResetError("the network went away")
            return self.data.read(min(size, 16))

    with pytest.raises(ConnectionResetError, match="went away"):
        read_diagnostics(Dropped(), overlap=True)
    assert _readers() == []


def test_given_a_consumer_that_stops_early_when_closed_then_the_producer_stops() -> None:
    produced: list[int] = []

    def endless() -> Iterator[bytes]:
        while True:
            produced.append(1)
            yield b"x" * 10

    chunks = read_ahead(endless(), depth=2)
    assert next(chunks) == b"x" * 10
    chunks.close()

    assert _readers() == []
    assert len(produced) <= 4  # the one taken, the two queued, at most one more in hand
