"""Records out of the decompressed bytes, in batches: JSON Lines or one top-level JSON array.

The two are told apart by the first byte that is not whitespace (after an optional UTF-8 byte
order mark). Each batch is decoded in one msgspec call into :class:`Record` structs that keep
``diagnostics`` as raw JSON (checked to be well-formed, not built); the summariser decodes it only
for anomalous records. Every batch comes with a locator that names where its i-th record is
(line, record, decompressed byte), for the errors found later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import Literal, NamedTuple

import msgspec

from model_steward.domain.diagnostics.errors import DiagnosticsFormatError

MAX_RECORD_BYTES = 64 << 20
"""A single record (line or array element) larger than this is rejected."""

_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_BYTE_POSITION = re.compile(r"\s*\(byte (\d+)\)$")
_RECORD_PATH = re.compile(r"`\$\[(\d+)\]")


class Diagnostic(msgspec.Struct, gc=False):
    name: str
    value: float


class Record(msgspec.Struct, gc=False):
    """What the summary reads of a record; other keys are skipped."""

    timestamp: str
    prediction: Literal[0, 1]
    anomaly_score: float | None = None
    diagnostics: msgspec.Raw = msgspec.Raw()


DECODE_ERRORS = (msgspec.MsgspecError, UnicodeDecodeError)
_RECORD = msgspec.json.Decoder(Record)
_RECORDS = msgspec.json.Decoder(list[Record])

Locator = Callable[[int, str], DiagnosticsFormatError]
"""``where(i, reason)``: the error for the batch's i-th record."""


def record_time(text: str) -> datetime:
    """A record's timestamp as naive UTC (one without an offset is UTC); ValueError, OverflowError."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


class Batch(NamedTuple):
    records: list[Record]
    where: Locator


def batches(chunks: Iterable[bytes]) -> Iterator[Batch]:
    """The records of the decompressed ``chunks``, in file order."""
    chunks = iter(chunks)
    head = b""
    offset = 0  # decompressed bytes before ``head``
    skipped_lines = 0
    for chunk in chunks:
        head += chunk
        if offset == 0 and len(head) < len(_BOM) and _BOM.startswith(head):
            continue
        if offset == 0 and head.startswith(_BOM):
            offset, head = len(_BOM), head[len(_BOM) :]
        stripped = head.lstrip(_WHITESPACE)
        if not stripped:
            offset += len(head)
            skipped_lines += head.count(b"\n")
            head = b""
            continue
        start = offset + len(head) - len(stripped)
        if stripped.startswith(b"["):
            yield from _Array(start + 1).batches(stripped[1:], chunks)
        elif stripped.startswith(b"{"):
            yield from _Lines(offset, 1 + skipped_lines).batches(head, chunks)
        else:
            raise _neither(stripped, start)
        return
    if head.strip(_WHITESPACE):
        raise _neither(head, offset)


def _neither(data: bytes, offset: int) -> DiagnosticsFormatError:
    return DiagnosticsFormatError(f"neither gzip nor JSON: the data starts with {data[:16]!r}", offset=offset)


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


# --------------------------------------------------------------------------------------------------
# JSON Lines


def _line_count(data: bytes, start: int, end: int) -> int:
    """Newlines in data[start:end]. Lines are long (kilobytes), so jumping from one to the next
    (memchr) is several times faster than ``bytes.count``, which reads every byte."""
    count = 0
    find = data.find
    at = find(b"\n", start, end)
    while at >= 0:
        count += 1
        at = find(b"\n", at + 1, end)
    return count


class _Lines:
    """JSON Lines (blank lines and CRLF allowed): each chunk's complete lines are one batch."""

    def __init__(self, offset: int, line: int) -> None:
        self.offset = offset  # decompressed offset of the next block
        self.line = line  # line number of the next block's first line
        self.records = 0  # records before the next block

    def batches(self, first: bytes, chunks: Iterator[bytes]) -> Iterator[Batch]:
        pending = b""  # the start of a line that the next chunk ends
        for chunk in chain((first,), chunks):
            start = 0
            if pending:
                start = chunk.find(b"\n") + 1
                if start == 0:
                    pending += chunk
                    self._check_length(pending)
                    continue
                yield self._block(pending + chunk[:start], 0, len(pending) + start)
            cut = chunk.rfind(b"\n") + 1
            if cut > start:
                yield self._block(chunk, start, cut)  # most of the chunk, decoded in place
            pending = chunk[max(start, cut) :]
            self._check_length(pending)
        if pending.strip(_WHITESPACE):
            yield self._block(pending, 0, len(pending))

    def _check_length(self, pending: bytes) -> None:
        if len(pending) > MAX_RECORD_BYTES:
            raise DiagnosticsFormatError(
                f"a line is longer than {MAX_RECORD_BYTES} bytes", line=self.line, offset=self.offset
            )

    def _block(self, data: bytes, start: int, end: int) -> Batch:
        try:
            records = _RECORD.decode_lines(memoryview(data)[start:end])
        except DECODE_ERRORS as exc:
            raise self._error(data[start:end], *_decode_error(exc)) from None
        line, offset, before = self.line, self.offset, self.records

        def where(i: int, reason: str) -> DiagnosticsFormatError:
            at_line, at = _nth_record_line(data, start, end, i)
            return DiagnosticsFormatError(
                reason, line=line + at_line, record=before + i + 1, offset=offset + at - start
            )

        self.line += _line_count(data, start, end)
        self.offset += end - start
        self.records += len(records)
        return Batch(records, where)

    def _error(
        self, block: bytes, reason: str, position: int | None, index: int | None
    ) -> DiagnosticsFormatError:
        if position is not None:
            if position >= len(block):
                reason += " (the data ends in the middle of a record)"
            line_start = block.rfind(b"\n", 0, position) + 1
            record = (
                self.records
                + 1
                + sum(1 for text in block[:line_start].split(b"\n") if text.strip(_WHITESPACE))
            )
            return DiagnosticsFormatError(
                reason,
                line=self.line + block.count(b"\n", 0, position),
                record=record,
                offset=self.offset + position,
            )
        if index is not None:
            at_line, at = _nth_record_line(block, 0, len(block), index)
            return DiagnosticsFormatError(
                reason, line=self.line + at_line, record=self.records + index + 1, offset=self.offset + at
            )
        # No position from the batch decoder (truncated record, bad UTF-8): find the line alone.
        start = 0
        record = self.records
        for at_line, text in enumerate(block.split(b"\n")):
            if text.strip(_WHITESPACE):
                record += 1
                try:
                    _RECORD.decode(text)
                except DECODE_ERRORS as exc:
                    reason, position, _ = _decode_error(exc)
                    return DiagnosticsFormatError(
                        reason,
                        line=self.line + at_line,
                        record=record,
                        offset=self.offset + start + (position or 0),
                    )
            start += len(text) + 1
        return DiagnosticsFormatError(reason, line=self.line, offset=self.offset)


def _nth_record_line(data: bytes, start: int, end: int, index: int) -> tuple[int, int]:
    """(0-based line within data[start:end], offset in data) of its index-th non-blank line."""
    seen = -1
    line = 0
    while True:
        stop = data.find(b"\n", start, end)
        if data[start : end if stop < 0 else stop].strip(_WHITESPACE):
            seen += 1
            if seen == index:
                return line, start
        if stop < 0:
            return line, start
        start = stop + 1
        line += 1


# --------------------------------------------------------------------------------------------------
# One top-level array

_STRING_OR_BRACE = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]]', re.DOTALL)


class _Array:
    """One top-level JSON array: the complete elements of each chunk are one batch.

    The last complete element is found by counting braces back from the end (fast, exact unless a
    string holds a brace) and confirmed by decoding: a prefix that decodes as a list of records is
    a true prefix of elements. If it does not decode, an exact scan (strings skipped) finds the cut.
    """

    def __init__(self, offset: int) -> None:
        self.offset = offset  # decompressed offset of the pending bytes
        self.records = 0
        self.closed = False
        self.after_comma = False
        self.ready: list[Batch] = []

    def batches(self, first: bytes, chunks: Iterator[bytes]) -> Iterator[Batch]:
        pending = b""
        for chunk in chain((first,), chunks):
            try:
                pending = self._feed(pending + chunk if pending else chunk)
            finally:  # the records before a fault come first: their own errors are earlier
                ready, self.ready = self.ready, []
                yield from ready
        try:
            self._finish(pending)
        finally:
            yield from self.ready

    def _feed(self, buffer: bytes) -> bytes:
        """Fold the complete elements of ``buffer``; return what is left of it."""
        if self.closed:
            self._trailing(buffer)
            return b""
        while True:
            stripped = buffer.lstrip(_WHITESPACE)
            self.offset += len(buffer) - len(stripped)
            buffer = stripped
            if buffer.startswith(b"]"):
                self._close(buffer)
                return b""
            cut = self._fast_cut(buffer)
            if cut is None or not self._try(buffer, cut):
                cut = self._exact_cut(buffer)
                if cut is None:
                    break
                self._decode(buffer, cut)
            buffer = self._advance(buffer, cut)
            if self.closed:
                return b""
        if len(buffer) > MAX_RECORD_BYTES:
            raise DiagnosticsFormatError(
                f"an array element is longer than {MAX_RECORD_BYTES} bytes",
                record=self.records + 1,
                offset=self.offset,
            )
        return buffer

    def _finish(self, pending: bytes) -> None:
        if self.closed:
            return
        buffer = pending.lstrip(_WHITESPACE)
        self.offset += len(pending) - len(buffer)
        if buffer.startswith(b"]"):
            self._close(buffer)
            return
        if not buffer:
            raise DiagnosticsFormatError(
                "the top-level array is not closed (the data ends after an element)", offset=self.offset
            )
        if not buffer.rstrip(_WHITESPACE).endswith(b"]"):
            raise DiagnosticsFormatError(
                "the top-level array is not closed (the data ends inside it)",
                record=self.records + 1,
                offset=self.offset,
            )
        # What is left must be the last element(s) and the closing bracket.
        self._decode(buffer, len(buffer.rstrip(_WHITESPACE)) - 1, closing=True)
        self.closed = True

    def _fast_cut(self, buffer: bytes) -> int | None:
        """Index of the '}' closing the last element followed by ',' or ']', by brace counting."""
        depth_after = 0  # (count of '{') - (count of '}') in buffer[position + 1:]
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
                    return None  # malformed, or a brace inside a string: the exact scan decides
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
            records = _RECORDS.decode(b"[" + buffer[: cut + 1] + b"]")
        except DECODE_ERRORS:
            return False
        self._fold(records)
        return True

    def _decode(self, buffer: bytes, cut: int, *, closing: bool = False) -> None:
        text = b"[" + buffer[: cut + 1] + (b"" if closing else b"]")
        try:
            records = _RECORDS.decode(text)
        except DECODE_ERRORS as exc:
            reason, position, index = _decode_error(exc)
            if position is not None:
                if position >= len(text) - (0 if closing else 1):
                    reason += " (the data ends in the middle of the array)"
                raise DiagnosticsFormatError(reason, offset=self.offset + max(0, position - 1)) from None
            record = None if index is None else self.records + index + 1
            raise DiagnosticsFormatError(
                reason, record=record, offset=self.offset if index is None else None
            ) from None
        self._fold(records)

    def _fold(self, records: list[Record]) -> None:
        before = self.records

        def where(i: int, reason: str) -> DiagnosticsFormatError:
            return DiagnosticsFormatError(reason, record=before + i + 1)

        self.ready.append(Batch(records, where))
        self.records += len(records)
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
        self.offset += 1
        self._trailing(buffer[1:])

    def _trailing(self, data: bytes) -> None:
        extra = data.lstrip(_WHITESPACE)
        if extra:
            raise DiagnosticsFormatError(
                "data after the end of the top-level array", offset=self.offset + len(data) - len(extra)
            )
        self.offset += len(data)
