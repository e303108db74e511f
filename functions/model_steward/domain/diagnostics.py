"""Stream a Lookout for Equipment ``model_diagnostics_results.json.gz`` into a summary.

Pure: takes any binary file-like object (``.read(n) -> bytes``: an open local file, Powertools'
streaming ``S3Object``, a botocore ``StreamingBody``) and never holds the file. Memory is bounded
by the read size, the inflate output bound and one batch of decoded records, whatever the file's
size (see ``benchmarks/diagnostics_bench.py``).

Accepted input
    gzip (one or several members; zero padding after the last member is ignored) or uncompressed,
    told apart by the gzip magic bytes. Inside: JSON Lines (blank lines and CRLF allowed) or one
    top-level JSON array of the same records. A UTF-8 byte order mark is skipped.

Record
    ``{"timestamp": str, "prediction": 0|1, "prediction_reason": str (optional),
    "anomaly_score": number (optional), "diagnostics": [{"name": str, "value": number}] (optional)}``;
    unknown keys are ignored. ``timestamp`` must be ISO 8601 (``datetime.fromisoformat``). Numbers
    must be finite. ``diagnostics`` is fully checked (types) only in records whose prediction is 1,
    the only ones it is used for; elsewhere it is only checked to be well-formed JSON.

Anything else raises :class:`DiagnosticsFormatError` (an ``InvalidInputError``) naming the line
(JSON Lines) or record number (array) and/or the byte offset in the decompressed data, and what is
wrong. No partial summary is ever returned. A file with no record at all is an error too: the
service always writes at least one record, so an empty file is a broken upload, not a model with
nothing to report.

How it is fast: each decompressed chunk's complete lines are decoded in one call by msgspec into
typed structs, with ``diagnostics`` kept as raw JSON (``msgspec.Raw``, validated but not built) and
decoded only for anomalous records, which are a few percent of a healthy file.
"""

from __future__ import annotations

import math
import re
import zlib
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

import msgspec

from model_steward.errors import InvalidInputError
from model_steward.models.diagnostics import (
    EVENT_TOP_SENSORS,
    EXACT_SCORE_LIMIT,
    MAX_EVENTS,
    SKETCH_RELATIVE_ERROR,
    TOP_SENSORS,
    AnomalyEvent,
    DiagnosticsSummary,
    ScoreStatistics,
    SensorContribution,
)

READ_SIZE = 1 << 20
"""Bytes asked of the source per read."""
INFLATE_OUTPUT_LIMIT = 4 << 20
"""Most decompressed bytes produced per inflate call (bounds memory against highly compressible data)."""
MAX_RECORD_BYTES = 64 << 20
"""A single record (line or array element) larger than this is rejected."""
MAX_SENSORS = 100_000
"""Distinct sensor names allowed in the diagnostics of anomalous records (bounds memory)."""
SERIES_BUCKETS = 480
"""Most buckets of the downsampled score series kept for the report's chart."""
MAX_ABS_NUMBER = 1e100
"""Scores and diagnostic values beyond this magnitude are rejected (keeps every sum finite)."""

_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_BYTE_POSITION = re.compile(r"\s*\(byte (\d+)\)$")
_RECORD_PATH = re.compile(r"`\$\[(\d+)\]")


class BinaryReader(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class DiagnosticsFormatError(InvalidInputError):
    """The diagnostics file is not what the service writes; the message says where and what."""

    def __init__(
        self,
        reason: str,
        *,
        line: int | None = None,
        record: int | None = None,
        offset: int | None = None,
        compressed_offset: int | None = None,
    ) -> None:
        self.reason = reason
        self.line = line
        self.record = record
        self.offset = offset
        self.compressed_offset = compressed_offset
        where = []
        if line is not None:
            where.append(f"line {line}")
        if record is not None:
            where.append(f"record {record}")
        if offset is not None:
            where.append(f"decompressed byte {offset}")
        if compressed_offset is not None:
            where.append(f"compressed byte {compressed_offset}")
        prefix = "diagnostics file" + (f" ({', '.join(where)})" if where else "")
        super().__init__(f"{prefix}: {' '.join(reason.split())}")


class _Diagnostic(msgspec.Struct, gc=False):
    name: str
    value: float


class _Record(msgspec.Struct, gc=False):
    timestamp: str
    prediction: Literal[0, 1]
    prediction_reason: str | None = None
    anomaly_score: float | None = None
    diagnostics: msgspec.Raw = msgspec.Raw()


_DECODE_ERRORS = (msgspec.MsgspecError, UnicodeDecodeError)
_RECORD_DECODER = msgspec.json.Decoder(_Record)
_BATCH_DECODER = msgspec.json.Decoder(list[_Record])
_DIAGNOSTICS_DECODER = msgspec.json.Decoder(list[_Diagnostic] | None)


# --------------------------------------------------------------------------------------------------
# Score series (for the report's chart)


@dataclass(frozen=True, slots=True)
class SeriesBucket:
    """Consecutive records (file order) merged into one point of the chart."""

    start: str
    end: str
    rows: int
    anomalous_rows: int
    max_score: float | None


@dataclass(frozen=True, slots=True)
class ScoreSeries:
    """At most :data:`SERIES_BUCKETS` buckets of ``records_per_bucket`` records (the last may be short)."""

    records_per_bucket: int
    buckets: tuple[SeriesBucket, ...]


class _SeriesBuilder:
    """Fixed number of buckets; when full, adjacent pairs merge and each bucket takes twice the records."""

    def __init__(self, capacity: int = SERIES_BUCKETS) -> None:
        self.capacity = max(2, capacity - capacity % 2)
        self.width = 1
        self.done: list[SeriesBucket] = []
        self.start = ""
        self.end = ""
        self.rows = 0
        self.anomalous = 0
        self.max_score: float | None = None

    def close_bucket(self) -> None:
        self.done.append(SeriesBucket(self.start, self.end, self.rows, self.anomalous, self.max_score))
        self.rows = 0
        self.anomalous = 0
        self.max_score = None
        if len(self.done) == self.capacity:
            merged = []
            for a, b in zip(self.done[::2], self.done[1::2], strict=True):
                scores = [s for s in (a.max_score, b.max_score) if s is not None]
                merged.append(
                    SeriesBucket(
                        a.start,
                        b.end,
                        a.rows + b.rows,
                        a.anomalous_rows + b.anomalous_rows,
                        max(scores) if scores else None,
                    )
                )
            self.done = merged
            self.width *= 2

    def result(self) -> ScoreSeries:
        buckets = list(self.done)
        if self.rows:
            buckets.append(SeriesBucket(self.start, self.end, self.rows, self.anomalous, self.max_score))
        return ScoreSeries(self.width, tuple(buckets))


# --------------------------------------------------------------------------------------------------
# Percentiles in bounded memory


class _ScoreQuantiles:
    """Exact while at most ``limit`` values, then a logarithmic histogram with bounded relative error.

    The histogram (as in DDSketch) puts x > 0 in bucket ceil(log_gamma(x)), gamma = (1+a)/(1-a), and
    answers with 2 gamma^i / (gamma + 1), within a relative error a of every value in the bucket;
    negative values mirror it, zeros are counted apart. Buckets are bounded by the numbers' dynamic
    range (|x| <= 1e100 gives at most ~23,000 per sign), not by their count.
    """

    def __init__(self, limit: int = EXACT_SCORE_LIMIT, relative_error: float = SKETCH_RELATIVE_ERROR) -> None:
        self.limit = limit
        self.alpha = relative_error
        self.gamma = (1 + relative_error) / (1 - relative_error)
        self.log_gamma = math.log(self.gamma)
        self.values: array[float] | None = array("d")
        self.positive: dict[int, int] = {}
        self.negative: dict[int, int] = {}
        self.zeros = 0
        self.count = 0
        self.max: float | None = None

    def extend(self, scores: Sequence[float]) -> None:
        if not scores:
            return
        self.count += len(scores)
        top = max(scores)
        if self.max is None or top > self.max:
            self.max = top
        if self.values is not None:
            self.values.extend(scores)
            if len(self.values) <= self.limit:
                return
            scores, self.values = self.values, None
        self._sketch(scores)

    def _sketch(self, scores: Sequence[float]) -> None:
        log, log_gamma, positive, negative = math.log, self.log_gamma, self.positive, self.negative
        for x in scores:
            if x > 0:
                i = math.ceil(log(x) / log_gamma)
                positive[i] = positive.get(i, 0) + 1
            elif x < 0:
                i = math.ceil(log(-x) / log_gamma)
                negative[i] = negative.get(i, 0) + 1
            else:
                self.zeros += 1

    def _bucket_value(self, i: int) -> float:
        return 2 * self.gamma**i / (self.gamma + 1)

    def statistics(self) -> ScoreStatistics:
        if self.count == 0:
            method: Literal["exact", "sketch"] = "exact" if self.values is not None else "sketch"
            return ScoreStatistics(
                count=0, p50=None, p90=None, p99=None, max=None, method=method, relative_error=0
            )
        ranks = {p: max(1, math.ceil(p / 100 * self.count)) for p in (50, 90, 99)}
        if self.values is not None:
            ordered = sorted(self.values)
            pick = {p: ordered[rank - 1] for p, rank in ranks.items()}
            return ScoreStatistics(
                count=self.count, **_named(pick), max=self.max, method="exact", relative_error=0
            )
        # Walk the histogram in increasing order: negatives (largest magnitude first), zeros, positives.
        order: list[tuple[float, int]] = [
            (-self._bucket_value(i), n) for i, n in sorted(self.negative.items(), reverse=True)
        ]
        if self.zeros:
            order.append((0.0, self.zeros))
        order += [(self._bucket_value(i), n) for i, n in sorted(self.positive.items())]
        pick = {}
        for p, rank in ranks.items():
            seen = 0
            for value, n in order:
                seen += n
                if seen >= rank:
                    pick[p] = value
                    break
        assert self.max is not None
        pick = {p: min(v, self.max) for p, v in pick.items()}
        return ScoreStatistics(
            count=self.count, **_named(pick), max=self.max, method="sketch", relative_error=self.alpha
        )


def _named(pick: dict[int, float]) -> dict[str, float]:
    return {f"p{p}": v for p, v in pick.items()}


# --------------------------------------------------------------------------------------------------
# The summariser (one pass, file order)


@dataclass(slots=True)
class _OpenEvent:
    start: str
    start_time: datetime
    end: str = ""
    rows: int = 0
    max_score: float | None = None
    sums: dict[str, float] = field(default_factory=dict)


def _top(sums: dict[str, float], rows: int, limit: int) -> list[SensorContribution]:
    if rows == 0:
        return []
    means = sorted(((-(total / rows), name) for name, total in sums.items()))[:limit]
    return [SensorContribution(name=name, mean_contribution=-neg) for neg, name in means]


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


class _Summariser:
    def __init__(self) -> None:
        self.rows = 0
        self.anomalous = 0
        self.first = ""
        self.first_time: datetime | None = None
        self.last = ""
        self.sums: dict[str, float] = {}
        self.events: list[AnomalyEvent] = []
        self.event_count = 0
        self.longest: AnomalyEvent | None = None
        self.current: _OpenEvent | None = None
        self.scores = _ScoreQuantiles()
        self.series = _SeriesBuilder()

    def add(  # noqa: PLR0915 - the per-record hot loop is inlined on purpose
        self, records: list[_Record], where: Callable[[int, str], DiagnosticsFormatError]
    ) -> None:
        """Fold a batch in; ``where(i, reason)`` builds the error for the batch's i-th record."""
        fromisoformat = datetime.fromisoformat
        decode_diagnostics = _DIAGNOSTICS_DECODER.decode
        series = self.series
        width = series.width
        scores: list[float] = []
        current = self.current
        try:
            for i, record in enumerate(records):
                timestamp = record.timestamp
                try:
                    if fromisoformat(timestamp).tzinfo is not None:
                        _parse_time(timestamp)
                except (ValueError, OverflowError) as exc:
                    raise where(i, f"timestamp {timestamp!r} is not ISO 8601 ({exc})") from None
                score = record.anomaly_score
                if score is not None:
                    if not -MAX_ABS_NUMBER <= score <= MAX_ABS_NUMBER:
                        raise where(i, f"anomaly_score {score!r} is out of range")
                    scores.append(score)
                if series.rows == 0:
                    series.start = timestamp
                series.end = timestamp
                series.rows += 1
                if score is not None and (series.max_score is None or score > series.max_score):
                    series.max_score = score
                if record.prediction:
                    series.anomalous += 1
                    if current is None:
                        current = _OpenEvent(timestamp, _parse_time(timestamp))
                    current.end = timestamp
                    current.rows += 1
                    if score is not None and (current.max_score is None or score > current.max_score):
                        current.max_score = score
                    self._add_diagnostics(record.diagnostics, current.sums, decode_diagnostics, i, where)
                    self.anomalous += 1
                elif current is not None:
                    self._close(current)
                    current = None
                if series.rows == width:
                    series.close_bucket()
                    width = series.width
        finally:
            self.current = current
        if records:
            if self.rows == 0:
                self.first = records[0].timestamp
                self.first_time = _parse_time(self.first)
            self.last = records[-1].timestamp
            self.rows += len(records)
            self.scores.extend(scores)

    def _add_diagnostics(
        self,
        raw: msgspec.Raw,
        event_sums: dict[str, float],
        decode: Callable[[msgspec.Raw], list[_Diagnostic] | None],
        i: int,
        where: Callable[[int, str], DiagnosticsFormatError],
    ) -> None:
        if not raw:
            return
        try:
            diagnostics = decode(raw)
        except _DECODE_ERRORS as exc:
            raise where(i, f"diagnostics: {str(exc).replace('`$', '`$.diagnostics')}") from None
        if not diagnostics:
            return
        sums = self.sums
        for item in diagnostics:
            name, value = item.name, item.value
            if not -MAX_ABS_NUMBER <= value <= MAX_ABS_NUMBER:
                raise where(i, f"diagnostics value {value!r} of {name!r} is out of range")
            if name in sums:
                sums[name] += value
            else:
                if len(sums) >= MAX_SENSORS:
                    raise where(i, f"more than {MAX_SENSORS} distinct sensor names")
                sums[name] = value
            event_sums[name] = event_sums.get(name, 0.0) + value

    def _close(self, event: _OpenEvent) -> None:
        self.event_count += 1
        longest = self.longest
        keep = len(self.events) < MAX_EVENTS
        if not keep and longest is not None and event.rows <= longest.rows:
            return
        end_time = _parse_time(event.end)
        done = AnomalyEvent(
            start=event.start,
            end=event.end,
            rows=event.rows,
            duration_seconds=(end_time - event.start_time).total_seconds(),
            max_anomaly_score=event.max_score,
            top_sensors=_top(event.sums, event.rows, EVENT_TOP_SENSORS),
        )
        if keep:
            self.events.append(done)
        if longest is None or done.rows > longest.rows:
            self.longest = done

    def finish(self) -> DiagnosticsResult:
        if self.rows == 0:
            raise DiagnosticsFormatError("no records: the file is empty (or holds an empty array)")
        if self.current is not None:
            self._close(self.current)
            self.current = None
        assert self.first_time is not None
        span = (_parse_time(self.last) - self.first_time).total_seconds()
        summary = DiagnosticsSummary(
            rows=self.rows,
            anomalous_rows=self.anomalous,
            anomalous_fraction=self.anomalous / self.rows,
            first_timestamp=self.first,
            last_timestamp=self.last,
            span_seconds=span,
            event_count=self.event_count,
            events_per_day=self.event_count / (span / 86400) if span > 0 else None,
            events_truncated=self.event_count > len(self.events),
            events=self.events,
            longest_event=self.longest,
            top_sensors=_top(self.sums, self.anomalous, TOP_SENSORS),
            sensors_seen=len(self.sums),
            anomaly_score=self.scores.statistics(),
        )
        return DiagnosticsResult(summary=summary, series=self.series.result())


@dataclass(frozen=True, slots=True)
class DiagnosticsResult:
    """What one pass over the file gives: the contract summary and the chart's downsampled series."""

    summary: DiagnosticsSummary
    series: ScoreSeries


# --------------------------------------------------------------------------------------------------
# Bytes: the source, gzip members


def _read(stream: BinaryReader, size: int) -> bytes:
    data = stream.read(size)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"the stream must return bytes, got {type(data).__name__}")
    return bytes(data)


def _decompressed(stream: BinaryReader) -> Iterator[bytes]:
    """Yield the decompressed content in bounded chunks (the file itself when it is not gzip)."""
    head = _read(stream, READ_SIZE)
    while 0 < len(head) < len(_GZIP_MAGIC):
        more = _read(stream, READ_SIZE)
        if not more:
            break
        head += more
    if not head.startswith(_GZIP_MAGIC):
        data = head
        while data:
            yield data
            data = _read(stream, READ_SIZE)
        return
    yield from _inflate(stream, head)


def _inflate(stream: BinaryReader, data: bytes) -> Iterator[bytes]:
    inflater: zlib._Decompress | None = None
    consumed = 0  # compressed bytes before ``data``
    produced = 0
    padding = False
    while True:
        if data:
            if inflater is None:
                if padding or not data.startswith(_GZIP_MAGIC[: len(data)]):
                    if data.strip(b"\0"):
                        raise DiagnosticsFormatError(
                            "data after the end of a gzip member is neither another member nor zero padding",
                            compressed_offset=consumed + (len(data) - len(data.lstrip(b"\0"))),
                            offset=produced,
                        )
                    padding = True
                    consumed += len(data)
                    data = b""
                elif len(data) < len(_GZIP_MAGIC):
                    more = _read(stream, READ_SIZE)
                    if more:
                        data += more
                        continue
                    raise DiagnosticsFormatError(
                        "truncated gzip member header", compressed_offset=consumed, offset=produced
                    )
                else:
                    inflater = zlib.decompressobj(wbits=31)
            if inflater is not None and data:
                try:
                    out = inflater.decompress(data, INFLATE_OUTPUT_LIMIT)
                    while True:
                        if out:
                            produced += len(out)
                            yield out
                        if not inflater.unconsumed_tail or inflater.eof:
                            break
                        out = inflater.decompress(inflater.unconsumed_tail, INFLATE_OUTPUT_LIMIT)
                except zlib.error as exc:
                    raise DiagnosticsFormatError(
                        f"corrupt gzip data ({exc})",
                        compressed_offset=consumed,
                        offset=produced,
                    ) from None
                if inflater.eof:
                    rest = inflater.unused_data
                    consumed += len(data) - len(rest)
                    inflater = None
                    data = rest
                    continue
                consumed += len(data)
        data = _read(stream, READ_SIZE)
        if not data:
            break
    if inflater is not None:
        raise DiagnosticsFormatError(
            f"truncated gzip stream: it ends after {consumed} compressed bytes, in the middle of a member",
            offset=produced,
        )


# --------------------------------------------------------------------------------------------------
# JSON: lines or one array


def _decode_error(exc: Exception) -> tuple[str, int | None, int | None]:
    """(reason, byte position in the decoded buffer or None, record index in a batch or None)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"a string is not valid UTF-8 ({exc.reason})", None, None
    text = str(exc)
    if text == "Input data was truncated":
        return "the data ends in the middle of a record (truncated JSON)", None, None
    position = _BYTE_POSITION.search(text)
    if position:
        return text[: position.start()], int(position.group(1)), None
    path = _RECORD_PATH.search(text)
    if path:
        return text.replace(path.group(0), "`$"), None, int(path.group(1))
    return text, None, None


def _nth_record_line(buffer: bytes, index: int) -> tuple[int, int]:
    """(0-based line, byte start of the line) of the index-th non-blank line of ``buffer``."""
    start = 0
    seen = -1
    line = 0
    while True:
        end = buffer.find(b"\n", start)
        stop = len(buffer) if end < 0 else end
        if buffer[start:stop].strip(_WHITESPACE):
            seen += 1
            if seen == index:
                return line, start
        if end < 0:
            return line, start
        start = end + 1
        line += 1


class _Lines:
    """JSON Lines: decode each chunk's complete lines in one call."""

    def __init__(self, summariser: _Summariser) -> None:
        self.summariser = summariser
        self.pending = b""
        self.offset = 0  # decompressed offset of pending[0]
        self.line = 1  # line number of pending[0]

    def feed(self, chunk: bytes) -> None:
        buffer = self.pending + chunk if self.pending else chunk
        cut = buffer.rfind(b"\n")
        if cut < 0:
            if len(buffer) > MAX_RECORD_BYTES:
                raise DiagnosticsFormatError(
                    f"a line is longer than {MAX_RECORD_BYTES} bytes", line=self.line, offset=self.offset
                )
            self.pending = buffer
            return
        self._decode(buffer[: cut + 1])
        self.pending = buffer[cut + 1 :]

    def finish(self) -> None:
        if self.pending.strip(_WHITESPACE):
            self._decode(self.pending)
        self.pending = b""

    def _decode(self, block: bytes) -> None:
        try:
            records = _RECORD_DECODER.decode_lines(block)
        except _DECODE_ERRORS as exc:
            reason, position, index = _decode_error(exc)
            raise self._error_at(block, reason, position, index) from None
        self.summariser.add(records, lambda i, reason: self._error_at(block, reason, None, i))
        self.offset += len(block)
        self.line += block.count(b"\n")

    def _error_at(
        self, block: bytes, reason: str, position: int | None, index: int | None
    ) -> DiagnosticsFormatError:
        records_before = self.summariser.rows
        if position is not None:
            line = self.line + block.count(b"\n", 0, position)
            if position >= len(block):
                reason += " (the data ends in the middle of a record)"
            line_start = block.rfind(b"\n", 0, position) + 1
            record = (
                records_before
                + 1
                + sum(1 for text in block[:line_start].split(b"\n") if text.strip(_WHITESPACE))
            )
            return DiagnosticsFormatError(reason, line=line, record=record, offset=self.offset + position)
        if index is not None:
            line_index, start = _nth_record_line(block, index)
            return DiagnosticsFormatError(
                reason,
                line=self.line + line_index,
                record=records_before + index + 1,
                offset=self.offset + start,
            )
        # No position from the batch decoder (truncated record, bad UTF-8): find the line alone.
        start = 0
        record = records_before
        for line_index, text in enumerate(block.split(b"\n")):
            if text.strip(_WHITESPACE):
                record += 1
                try:
                    _RECORD_DECODER.decode(text)
                except _DECODE_ERRORS as exc:
                    reason, position, _ = _decode_error(exc)
                    at = self.offset + start + (position or 0)
                    return DiagnosticsFormatError(
                        reason, line=self.line + line_index, record=record, offset=at
                    )
            start += len(text) + 1
        return DiagnosticsFormatError(reason, line=self.line, offset=self.offset)


_STRING_OR_BRACE = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]]', re.DOTALL)


class _Array:
    """One top-level JSON array: decode the complete elements of each chunk in one call.

    The last complete element is found by counting braces back from the end (fast, exact unless a
    string holds a brace) and confirmed by decoding: a prefix that decodes as a list of records is
    a true prefix of elements. If it does not decode, an exact scan (strings skipped) finds the cut.
    """

    def __init__(self, summariser: _Summariser, offset: int) -> None:
        self.summariser = summariser
        self.pending = b""
        self.offset = offset  # decompressed offset of pending[0]
        self.closed = False
        self.after_comma = False

    def feed(self, chunk: bytes) -> None:
        if self.closed:
            self._trailing(chunk)
            return
        buffer = self.pending + chunk if self.pending else chunk
        while True:
            stripped = buffer.lstrip(_WHITESPACE)
            self.offset += len(buffer) - len(stripped)
            buffer = stripped
            if buffer.startswith(b"]"):
                self._close(buffer)
                return
            cut = self._fast_cut(buffer)
            if cut is None or not self._try(buffer, cut):
                cut = self._exact_cut(buffer)
                if cut is None:
                    break
                self._decode(buffer, cut)
            buffer = self._advance(buffer, cut)
            if self.closed:
                return
        if len(buffer) > MAX_RECORD_BYTES:
            raise DiagnosticsFormatError(
                f"an array element is longer than {MAX_RECORD_BYTES} bytes",
                record=self.summariser.rows + 1,
                offset=self.offset,
            )
        self.pending = buffer

    def finish(self) -> None:
        if self.closed:
            return
        buffer = self.pending.lstrip(_WHITESPACE)
        self.offset += len(self.pending) - len(buffer)
        if buffer.startswith(b"]"):
            self._close(buffer)
            return
        if not buffer:
            raise DiagnosticsFormatError(
                "the top-level array is not closed (the data ends after an element)", offset=self.offset
            )
        # Whatever is left must be the last element(s) and the closing bracket.
        if not buffer.rstrip(_WHITESPACE).endswith(b"]"):
            raise DiagnosticsFormatError(
                "the top-level array is not closed (the data ends inside it)",
                record=self.summariser.rows + 1,
                offset=self.offset,
            )
        self._decode(buffer, len(buffer.rstrip(_WHITESPACE)) - 1, closing=True)
        self.closed = True

    def _fast_cut(self, buffer: bytes) -> int | None:
        """Index of the '}' closing the last element followed by ',' or ']', by brace counting."""
        depth_after = 0  # (count of '{') - (count of '}') in buffer[p+1:]
        total = buffer.count(b"{") - buffer.count(b"}")
        end = len(buffer)
        position = buffer.rfind(b"}")
        steps = 0
        while position >= 0 and steps < 100_000:
            segment = buffer[position + 1 : end]
            depth_after += segment.count(b"{") - segment.count(b"}")
            if total - depth_after == 0:
                following = buffer[position + 1 : position + 66].lstrip(_WHITESPACE)[:1]
                if following in (b",", b"]"):
                    return position
                if following:
                    return None  # malformed, or a brace inside a string: let the exact scan decide
            end = position
            depth_after -= 1  # the '}' at ``position`` is now part of the "after" region
            position = buffer.rfind(b"}", 0, position)
            steps += 1
        return None

    def _exact_cut(self, buffer: bytes) -> int | None:
        """Exact scan (strings skipped): the last element end followed by ',' or ']'.

        Raises the decoder's own error when the scan meets malformed structure.
        """
        depth = 0
        last: int | None = None
        for match in _STRING_OR_BRACE.finditer(buffer):
            token = match.group()
            if token in (b"{", b"["):
                depth += 1
                continue
            if token in (b"}", b"]"):
                depth -= 1
                if depth > 0:
                    continue
                if depth == 0:
                    rest = buffer[match.end() :].lstrip(_WHITESPACE)
                    following = rest[:1]
                    if following == b",":
                        last = match.start()
                        continue
                    if following == b"]":
                        return match.start()
                    if not following:
                        return last
                    self._fail(buffer, len(buffer) - len(rest))
            elif depth > 0:
                continue  # a string inside an element
            # A ']' closing nothing, or a string between elements.
            self._fail(buffer, match.end() - 1)
        return last

    def _fail(self, buffer: bytes, bad: int) -> None:
        """Decode up to the fault at ``bad`` so that the decoder names it, with its position."""
        self._decode(buffer, bad, closing=True)
        raise DiagnosticsFormatError("malformed top-level array", offset=self.offset + bad)

    def _try(self, buffer: bytes, cut: int) -> bool:
        try:
            records = _BATCH_DECODER.decode(b"[" + buffer[: cut + 1] + b"]")
        except _DECODE_ERRORS:
            return False
        self._fold(records)
        return True

    def _decode(self, buffer: bytes, cut: int, *, closing: bool = False) -> None:
        text = b"[" + buffer[: cut + 1] + (b"" if closing else b"]")
        try:
            records = _BATCH_DECODER.decode(text)
        except _DECODE_ERRORS as exc:
            reason, position, index = _decode_error(exc)
            if position is not None:
                if position >= len(text) - (0 if closing else 1):
                    reason += " (the data ends in the middle of the array)"
                raise DiagnosticsFormatError(reason, offset=self.offset + max(0, position - 1)) from None
            record = None if index is None else self.summariser.rows + index + 1
            raise DiagnosticsFormatError(
                reason, record=record, offset=self.offset if index is None else None
            ) from None
        self._fold(records)

    def _fold(self, records: list[_Record]) -> None:
        base = self.summariser.rows
        self.summariser.add(records, lambda i, reason: DiagnosticsFormatError(reason, record=base + i + 1))
        self.after_comma = False

    def _advance(self, buffer: bytes, cut: int) -> bytes:
        rest = buffer[cut + 1 :].lstrip(_WHITESPACE)
        self.offset += len(buffer) - len(rest)
        if rest.startswith(b","):
            self.offset += 1
            self.after_comma = True
            return rest[1:]
        self._close(rest)
        return b""

    def _close(self, buffer: bytes) -> None:
        if self.after_comma:
            raise DiagnosticsFormatError("trailing comma before the end of the array", offset=self.offset)
        self.closed = True
        self._trailing(buffer[1:], offset_base=self.offset + 1)

    def _trailing(self, data: bytes, offset_base: int | None = None) -> None:
        if offset_base is not None:
            self.offset = offset_base
        extra = data.lstrip(_WHITESPACE)
        if extra:
            raise DiagnosticsFormatError(
                "data after the end of the top-level array",
                offset=self.offset + len(data) - len(extra),
            )
        self.offset += len(data)


def read_diagnostics(stream: BinaryReader) -> DiagnosticsResult:
    """Read the stream once: the summary and the chart series, or DiagnosticsFormatError."""
    summariser = _Summariser()
    parser: _Lines | _Array | None = None
    offset = 0  # decompressed bytes before ``head``
    skipped_lines = 0
    head = b""
    for chunk in _decompressed(stream):
        if parser is not None:
            parser.feed(chunk)
            continue
        head += chunk
        if offset == 0 and len(head) < len(_BOM) and _BOM.startswith(head):
            continue
        if offset == 0 and head.startswith(_BOM):
            offset = len(_BOM)
            head = head[offset:]
        stripped = head.lstrip(_WHITESPACE)
        if not stripped:
            offset += len(head)
            skipped_lines += head.count(b"\n")
            head = b""
            continue
        parser = _start(summariser, head, stripped, offset, skipped_lines)
        head = b""
    if parser is None:
        if head.strip(_WHITESPACE):
            _start(summariser, head, head, offset, skipped_lines)
    else:
        parser.finish()
    return summariser.finish()


def _start(
    summariser: _Summariser, head: bytes, stripped: bytes, offset: int, skipped_lines: int
) -> _Lines | _Array:
    """Tell JSON Lines from an array by the first byte that is not whitespace, and feed ``head``."""
    start = offset + len(head) - len(stripped)
    if stripped.startswith(b"["):
        array = _Array(summariser, start + 1)
        array.feed(stripped[1:])
        return array
    if stripped.startswith(b"{"):
        lines = _Lines(summariser)
        lines.offset = offset
        lines.line += skipped_lines
        lines.feed(head)
        return lines
    raise DiagnosticsFormatError(
        f"neither gzip nor JSON: the data starts with {stripped[:16]!r}", offset=start
    )


def summarize_diagnostics(stream: BinaryReader) -> DiagnosticsSummary:
    """The contract summary of a diagnostics file (see :mod:`model_steward.models.diagnostics`)."""
    return read_diagnostics(stream).summary
