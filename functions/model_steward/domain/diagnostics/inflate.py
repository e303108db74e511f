"""The decompressed content of a diagnostics source, in bounded chunks.

gzip (one member or several, zero padding between or after members) is inflated by a library's
``GzipFile``: ISA-L's (the ``isal`` package, about four times zlib's speed on these files) when it
is installed, else the standard library's (zlib). A source that does not start with the gzip
magic bytes is passed through unchanged. Memory: one chunk of output plus the inflater's own
buffers, whatever the file's size.
"""

from __future__ import annotations

import gzip
import queue
import threading
import zlib
from collections.abc import Iterator
from io import BufferedIOBase
from types import ModuleType
from typing import Protocol

from model_steward.domain.diagnostics.errors import DiagnosticsFormatError

fast_gzip: ModuleType | None
try:
    from isal import igzip as fast_gzip
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    fast_gzip = None

CHUNK_SIZE = 1 << 20
"""Most decompressed bytes per chunk."""
GZIP_MAGIC = b"\x1f\x8b"
_INFLATE_ERRORS: tuple[type[Exception], ...] = (OSError, zlib.error)
if fast_gzip is not None:
    _INFLATE_ERRORS += (fast_gzip.isal_zlib.error,)


def inflater() -> str:
    """The gzip library in use: ``"isal"`` or ``"zlib"``."""
    return "isal" if fast_gzip is not None else "zlib"


class BinaryReader(Protocol):
    """Anything with ``read(n) -> bytes``: a local file, Powertools' ``S3Object``, a ``StreamingBody``."""

    def read(self, size: int = ..., /) -> bytes: ...


class _SourceFailed(Exception):
    """Carries the source's own exception through the gzip reader, so it is never taken for bad data."""


class _Source:
    """The caller's stream as gzip readers want it (``read`` and ``readinto``), with the bytes read
    to recognise the format served first, and a count of the bytes read."""

    def __init__(self, stream: BinaryReader, head: bytes) -> None:
        self.stream = stream
        self.head = head
        self.count = len(head)

    def read(self, size: int = -1, /) -> bytes:
        if self.head:
            data = self.head if size < 0 else self.head[:size]
            self.head = self.head[len(data) :]
            return data
        data = read_bytes(self.stream, size if size >= 0 else CHUNK_SIZE)
        self.count += len(data)
        return data

    def readinto(self, buffer: memoryview | bytearray, /) -> int:
        data = self.read(len(buffer))
        memoryview(buffer)[: len(data)] = data
        return len(data)

    def seek(self, offset: int, /) -> int:
        raise OSError("a diagnostics source is read once, from start to end")


def read_bytes(stream: BinaryReader, size: int) -> bytes:
    try:
        data = stream.read(size)
    except Exception as exc:
        raise _SourceFailed from exc
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"the stream must return bytes, got {type(data).__name__}")
    return bytes(data)


def decompressed(stream: BinaryReader) -> Iterator[bytes]:
    """Yield the decompressed content in chunks of at most :data:`CHUNK_SIZE` bytes.

    A fault in the gzip data raises :class:`DiagnosticsFormatError` with the decompressed offset
    reached and the compressed bytes read; an exception of the stream itself passes unchanged.
    """
    chunk_size = CHUNK_SIZE
    try:
        head = read_bytes(stream, chunk_size)
        while 0 < len(head) < len(GZIP_MAGIC) and (more := read_bytes(stream, chunk_size)):
            head += more
        source = _Source(stream, head)
        if not head.startswith(GZIP_MAGIC):
            while data := source.read(chunk_size):
                yield data
            return
        yield from _inflate(source, chunk_size)
    except _SourceFailed as failed:
        raise (failed.__cause__ or failed) from None


def _inflate(source: _Source, chunk_size: int) -> Iterator[bytes]:
    reader: BufferedIOBase
    if fast_gzip is not None:
        reader = fast_gzip.GzipFile(fileobj=source, mode="rb")
    else:
        reader = gzip.GzipFile(fileobj=source, mode="rb")
    produced = 0
    with reader:
        while data := _read_inflated(reader, source, chunk_size, produced):
            produced += len(data)
            yield data


def _read_inflated(reader: BufferedIOBase, source: _Source, chunk_size: int, produced: int) -> bytes:
    try:
        return reader.read(chunk_size)
    except EOFError:
        raise DiagnosticsFormatError(
            f"truncated gzip data: it ends after {source.count} compressed bytes, in the middle of a member",
            offset=produced,
        ) from None
    except _INFLATE_ERRORS as exc:
        reason = str(exc)
        if reason.startswith("Not a gzipped file"):
            reason = "data after the end of a gzip member is neither another member nor zero padding"
        else:
            reason = f"corrupt gzip data ({reason})"
        raise DiagnosticsFormatError(reason, offset=produced, compressed_read=source.count) from None


READ_AHEAD_CHUNKS = 2
"""Chunks a read-ahead thread may hold ready (memory: this many times :data:`CHUNK_SIZE`)."""


def read_ahead(chunks: Iterator[bytes], depth: int = READ_AHEAD_CHUNKS) -> Iterator[bytes]:
    """The same chunks, produced by a second thread while the caller decodes the previous ones.

    ISA-L and zlib release the GIL while they inflate, so on a machine with a spare core inflation
    and decoding overlap (about a tenth of the time on the benchmark's files). Whatever the producer
    raises is raised here, in order; closing this generator early stops the producer.
    """
    ready: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: bytes | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)

    producer = threading.Thread(target=produce, name="diagnostics-read-ahead", daemon=True)
    producer.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join()
