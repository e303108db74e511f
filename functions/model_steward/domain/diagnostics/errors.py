"""The one error a diagnostics file raises: what is wrong and where the file broke."""

from __future__ import annotations

from model_steward.errors import InvalidInputError


class DiagnosticsFormatError(InvalidInputError):
    """The diagnostics file is not what the service writes; the message says where and what.

    ``line`` (JSON Lines) and ``record`` count from 1; ``offset`` is the byte offset in the
    decompressed data; ``compressed_read`` is how many compressed bytes had been read when a gzip
    fault was detected (the fault lies before that point).
    """

    def __init__(
        self,
        reason: str,
        *,
        line: int | None = None,
        record: int | None = None,
        offset: int | None = None,
        compressed_read: int | None = None,
    ) -> None:
        self.reason = reason
        self.line = line
        self.record = record
        self.offset = offset
        self.compressed_read = compressed_read
        where = []
        if line is not None:
            where.append(f"line {line}")
        if record is not None:
            where.append(f"record {record}")
        if offset is not None:
            where.append(f"decompressed byte {offset}")
        if compressed_read is not None:
            where.append(f"within the first {compressed_read} compressed bytes")
        prefix = "diagnostics file" + (f" ({', '.join(where)})" if where else "")
        super().__init__(f"{prefix}: {' '.join(reason.split())}")
