"""Parsing model_diagnostics_results.json.gz: accepted shapes, errors with their location, totality.

Every gzip test runs with both inflaters: ISA-L (``isal``) and the standard library's fallback.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model_steward.domain import diagnostics as diag
from model_steward.domain.diagnostics import (
    DiagnosticsFormatError,
    framing,
    inflate,
    read_diagnostics,
    summarize_diagnostics,
)
from model_steward.errors import InvalidInputError


@pytest.fixture(params=["isal", "zlib"])
def gzip_library(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with ISA-L, then with the standard library's gzip (what runs without isal)."""
    if request.param == "zlib":
        monkeypatch.setattr(inflate, "fast_gzip", None)
    assert inflate.inflater() == request.param
    return str(request.param)


def record(i: int, prediction: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "timestamp": f"2021-03-11T22:{i // 60:02d}:{i % 60:02d}.000000",
        "prediction": prediction,
        **extra,
    }


RECORDS = [
    record(0, 0, prediction_reason="NO_ANOMALY_DETECTED", anomaly_score=0.1),
    record(
        1,
        1,
        anomaly_score=0.7,
        diagnostics=[{"name": "pump\\s1", "value": 0.5}, {"name": "pump\\s2", "value": 0.25}],
    ),
    record(2, 1, anomaly_score=0.9, diagnostics=[{"name": "pump\\s2", "value": 0.75}], unknown={"x": [1]}),
    record(3, 0),
    record(4, 1),
]


def jsonl(records: list[dict[str, Any]], newline: str = "\n") -> bytes:
    return newline.join(json.dumps(r) for r in records).encode()


def read(data: bytes) -> diag.DiagnosticsResult:
    return read_diagnostics(io.BytesIO(data))


class Trickle:
    """A stream that returns at most ``step`` bytes per read (as a network stream may)."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.at = data, step, 0

    def read(self, size: int = -1, /) -> bytes:
        n = min(self.step, size if size >= 0 else self.step)
        chunk = self.data[self.at : self.at + n]
        self.at += len(chunk)
        return chunk


EXPECTED = read(jsonl(RECORDS)).summary


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(gzip.compress(jsonl(RECORDS)), id="gzip"),
        pytest.param(
            gzip.compress(jsonl(RECORDS)[:50]) + gzip.compress(jsonl(RECORDS)[50:]), id="gzip-2-members"
        ),
        pytest.param(
            b"".join(gzip.compress(bytes([b])) for b in jsonl(RECORDS)[:40])
            + gzip.compress(jsonl(RECORDS)[40:]),
            id="gzip-many-members",
        ),
        pytest.param(gzip.compress(jsonl(RECORDS)) + b"\0" * 64, id="gzip-zero-padding"),
        pytest.param(jsonl(RECORDS), id="plain"),
        pytest.param(b"\n\r\n" + jsonl(RECORDS, "\r\n\r\n  \n") + b"\r\n\n", id="crlf-blank-lines"),
        pytest.param(b"\xef\xbb\xbf" + jsonl(RECORDS), id="bom"),
        pytest.param(json.dumps(RECORDS).encode(), id="array"),
        pytest.param(json.dumps(RECORDS, indent=2).encode() + b"\n", id="array-indented"),
        pytest.param(gzip.compress(b"  \n[" + jsonl(RECORDS, ",\n") + b"]"), id="array-gzip"),
    ],
)
@pytest.mark.usefixtures("gzip_library")
def test_accepted_shapes_give_the_same_summary(data: bytes) -> None:
    assert read(data).summary == EXPECTED
    for step in (1, 3, 17):
        assert read_diagnostics(Trickle(data, step)).summary == EXPECTED


@pytest.mark.usefixtures("gzip_library")
def test_tiny_chunks_and_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inflate, "CHUNK_SIZE", 5)
    many = [
        record(i, (i // 3) % 2, anomaly_score=i / 100, diagnostics=[{"name": "a\\b", "value": 1.0}])
        for i in range(200)
    ]
    reference = read(jsonl(many)).summary
    for data in (
        gzip.compress(jsonl(many)),
        json.dumps(many).encode(),
        gzip.compress(json.dumps(many, indent=1).encode()),
    ):
        assert read(data).summary == reference
    assert reference.rows == 200
    assert reference.event_count == 33


def test_records_without_score_or_diagnostics() -> None:
    summary = read(jsonl([record(0, 1), record(1, 1, diagnostics=None), record(2, 0)])).summary
    assert summary.rows == 3
    assert summary.event_count == 1
    assert summary.events[0].max_anomaly_score is None
    assert summary.top_sensors == []
    assert summary.anomaly_score.count == 0
    assert summary.anomaly_score.p50 is None


def test_array_with_braces_and_separators_inside_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inflate, "CHUNK_SIZE", 64)
    odd = [
        record(i, 1, diagnostics=[{"name": 'x}, {"y\\z] ,{', "value": 1.0}, {"name": "}}}", "value": 2.0}])
        for i in range(30)
    ]
    for data in (json.dumps(odd).encode(), json.dumps(odd, indent=3).encode()):
        summary = read(data).summary
        assert summary.rows == 30
        assert [s.name for s in summary.top_sensors] == ["}}}", 'x}, {"y\\z] ,{']


def test_diagnostics_of_normal_records_are_not_type_checked() -> None:
    summary = read(jsonl([record(0, 0, diagnostics={"not": "a list"}), record(1, 1)])).summary
    assert summary.rows == 2


def error(data: bytes) -> DiagnosticsFormatError:
    with pytest.raises(DiagnosticsFormatError) as caught:
        read(data)
    assert isinstance(caught.value, InvalidInputError)
    assert "\n" not in str(caught.value)
    return caught.value


GOOD = jsonl(RECORDS)


def test_empty_inputs_are_errors() -> None:
    for data in (b"", b"  \n\r\n", gzip.compress(b""), b"[]", gzip.compress(b" [ ] ")):
        assert "no records" in str(error(data))


def test_not_gzip_nor_json() -> None:
    e = error(b"PK\x03\x04 zip file")
    assert "neither gzip nor JSON" in str(e)
    assert e.offset == 0


@pytest.mark.usefixtures("gzip_library")
def test_truncated_gzip() -> None:
    data = gzip.compress(GOOD)[:-10]
    e = error(data)
    assert f"truncated gzip data: it ends after {len(data)} compressed bytes" in str(e)


@pytest.mark.usefixtures("gzip_library")
def test_corrupt_gzip() -> None:
    data = bytearray(gzip.compress(GOOD))
    data[-6] ^= 0xFF  # the CRC
    e = error(bytes(data))
    assert "corrupt gzip data (CRC check failed" in str(e)
    assert e.compressed_read == len(data)
    assert f"within the first {len(data)} compressed bytes" in str(e)


@pytest.mark.usefixtures("gzip_library")
def test_corrupt_deflate_data_is_refused_with_a_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """A flipped bit mid-file: the inflater or the JSON decoder stops there, and says where."""
    monkeypatch.setattr(inflate, "CHUNK_SIZE", 1000)
    big = b"\n".join(json.dumps(record(i % 3600, anomaly_score=i / 7)).encode() for i in range(5000))
    data = bytearray(gzip.compress(big, compresslevel=1))
    data[len(data) // 2] ^= 0x55
    e = error(bytes(data))
    assert e.offset is not None
    assert 0 < e.offset < len(big)


@pytest.mark.usefixtures("gzip_library")
@pytest.mark.parametrize("padding", [b"", b"\0\0\0"])
def test_garbage_after_gzip_member(padding: bytes) -> None:
    e = error(gzip.compress(GOOD) + padding + b"garbage after the member")
    assert "neither another member nor zero padding" in str(e)


@pytest.mark.usefixtures("gzip_library")
def test_a_few_bytes_after_a_member_read_as_a_truncated_member() -> None:
    """Fewer bytes than a gzip header after a member: the libraries report a truncated member."""
    assert "gzip" in str(error(gzip.compress(GOOD) + b"junk"))


def test_errors_of_the_stream_itself_pass_unchanged() -> None:
    class Failing:
        def __init__(self) -> None:
            self.data = io.BytesIO(gzip.compress(GOOD * 2000))

        def read(self, size: int = -1, /) -> bytes:
            if self.data.tell() > 1000:
                raise ConnectionResetError("the network went away")
            return self.data.read(min(size, 600))

    with pytest.raises(ConnectionResetError, match="the network went away"):
        read_diagnostics(Failing())


def test_a_stream_must_return_bytes() -> None:
    class Text:
        def read(self, size: int = -1, /) -> str:
            return "{}"

    with pytest.raises(TypeError, match="the stream must return bytes, got str"):
        read_diagnostics(Text())  # type: ignore[arg-type]


def test_without_isal_the_standard_library_inflates() -> None:
    """An installation without the isal wheel falls back to the standard library's gzip."""
    code = (
        "import io, gzip, sys\n"
        "sys.modules['isal'] = None\n"
        "from model_steward.domain.diagnostics import inflate, read_diagnostics\n"
        'data = gzip.compress(b\'{"timestamp": "2021-03-11T00:00:00", "prediction": 1}\\n\')\n'
        "print(inflate.inflater(), read_diagnostics(io.BytesIO(data)).summary.anomalous_rows)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["zlib", "1"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"timestamp": "2021-03-11T22:00:00", "prediction": 2}', "Invalid enum value 2"),
        ('{"timestamp": "2021-03-11T22:00:00", "prediction": "1"}', "Expected `int`, got `str`"),
        ('{"timestamp": "2021-03-11T22:00:00", "prediction": true}', "Expected `int`, got `bool`"),
        ('{"prediction": 0}', "missing required field `timestamp`"),
        ('{"timestamp": "2021-03-11T22:00:00"}', "missing required field `prediction`"),
        ('{"timestamp": 5, "prediction": 0}', "Expected `str`, got `int`"),
        ('{"timestamp": "yesterday", "prediction": 0}', "is not ISO 8601"),
        (
            '{"timestamp": "2021-03-11T22:00:00", "prediction": 0, "anomaly_score": "high"}',
            "`$.anomaly_score`",
        ),
        ('{"timestamp": "2021-03-11T22:00:00", "prediction": 0, "anomaly_score": 1e999}', "out of range"),
        (
            '{"timestamp": "2021-03-11T22:00:00", "prediction": 1, "diagnostics": [{"name": 1, "value": 0}]}',
            "`$.diagnostics[0].name`",
        ),
        (
            '{"timestamp": "2021-03-11T22:00:00", "prediction": 1, "diagnostics": [{"name": "a"}]}',
            "missing required field `value`",
        ),
        ('{"timestamp": "2021-03-11T22:00:00", "prediction": 0, "diagnostics": [1 2]}', "malformed"),
        ('{"timestamp": "2021-03-11T22:00:00", "prediction": 0,', "truncated JSON"),
        ("[1, 2]", "Expected `object`"),
        ("not json", "malformed"),
    ],
)
def test_bad_record_errors_name_line_and_record(line: str, expected: str) -> None:
    data = b"\n".join([json.dumps(record(0)).encode(), b"", line.encode(), json.dumps(record(9)).encode()])
    for payload in (data, gzip.compress(data)):
        e = error(payload)
        assert expected in str(e)
        assert e.line == 3
        assert e.record == 2
        assert "line 3" in str(e)


def test_truncated_last_line() -> None:
    e = error(GOOD[:-5])
    assert e.line == 5
    assert "truncated" in str(e).lower()


def test_error_offsets_are_in_the_decompressed_stream() -> None:
    data = GOOD + b'\n{"timestamp": "2021-03-11T22:00:00", "prediction": 0 x}\n'
    e = error(gzip.compress(data))
    assert e.offset == data.index(b" x}") + 1
    assert e.line == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"timestamp": "2021-03-11T22:00:00", "prediction": 0}', "not closed"),
        ('[{"timestamp": "2021-03-11T22:00:00", "prediction": 0},', "not closed"),
        ('[{"timestamp": "2021-03-11T22:00:00", "prediction": 0},]', "trailing comma"),
        (
            '[{"timestamp": "2021-03-11T22:00:00", "prediction": 0}] extra',
            "after the end of the top-level array",
        ),
        (
            '[{"timestamp": "2021-03-11T22:00:00", "prediction": 0} {"timestamp": "x", "prediction": 0}]',
            "expected ','",
        ),
        (
            '[{"timestamp": "2021-03-11T22:00:00", "prediction": 0}, {"timestamp": "x", "prediction": 0}]',
            "ISO 8601",
        ),
        ('[{"timestamp": "2021-03-11T22:00:00", "prediction": 0}, "x"]', "Expected `object`"),
        (
            '[{"timestamp": "2021-03-11T22:00:00", "prediction": 0}, {"prediction": 5}]',
            "Invalid enum value 5",
        ),
    ],
)
def test_bad_arrays(text: str, expected: str) -> None:
    e = error(text.encode())
    assert expected in str(e)
    if "ISO" in expected or "object" in expected:
        assert e.record == 2


def test_huge_line_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framing, "MAX_RECORD_BYTES", 1000)
    monkeypatch.setattr(inflate, "CHUNK_SIZE", 100)
    e = error(GOOD + b'\n{"timestamp": "' + b"x" * 5000 + b'"}')
    assert "a line is longer than 1000 bytes" in str(e)
    assert e.line == 6


def test_huge_array_element_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framing, "MAX_RECORD_BYTES", 1000)
    monkeypatch.setattr(inflate, "CHUNK_SIZE", 100)
    e = error(b'[{"timestamp": "2021-03-11T00:00:00", "prediction": 0}, {"timestamp": "' + b"x" * 5000)
    assert "an array element is longer than 1000 bytes" in str(e)
    assert e.record == 2


def test_summarize_diagnostics_returns_the_summary() -> None:
    assert summarize_diagnostics(io.BytesIO(GOOD)) == EXPECTED


# ---------------------------------------------------------------------------------------------------
# Totality: any input gives a result or the specific error, never another exception.


def outcome(data: bytes) -> None:
    """A summary, or the specific error with a message; any other exception fails the test."""
    try:
        read(data)
    except DiagnosticsFormatError as exc:
        message = str(exc)
        assert message.startswith("diagnostics file")
        assert "\n" not in message


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes(data: bytes) -> None:
    outcome(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_behind_valid_starts(tail: bytes) -> None:
    for head in (b"{", b"[", b'{"timestamp": "2021-01-01", "prediction": 1, "diagnostics": ', b"[{"):
        outcome(head + tail)
    outcome(gzip.compress(tail))


VALID_FILES = [
    GOOD,
    gzip.compress(GOOD),
    json.dumps(RECORDS).encode(),
    gzip.compress(json.dumps(RECORDS, indent=1).encode()),
    gzip.compress(GOOD[:60]) + gzip.compress(GOOD[60:]),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(VALID_FILES),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=4),
    st.integers(min_value=0),
)
def test_mutated_valid_files(data: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    mutated = bytearray(data)
    for position, mask in flips:
        mutated[position % len(mutated)] ^= mask
    outcome(bytes(mutated))
    outcome(bytes(mutated[: cut % (len(mutated) + 1)]))
    outcome(data[: cut % (len(data) + 1)])


@pytest.mark.usefixtures("gzip_library")
def test_every_truncation_of_gzip_is_an_error() -> None:
    data = gzip.compress(GOOD)
    for cut in range(len(data)):
        with pytest.raises(DiagnosticsFormatError):
            read(data[:cut])


def test_deflate_stream_with_zlib_header_is_not_gzip() -> None:
    assert "neither gzip nor JSON" in str(error(zlib.compress(GOOD)))
