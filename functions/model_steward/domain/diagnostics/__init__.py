"""Stream a Lookout for Equipment ``model_diagnostics_results.json.gz`` into a summary.

Pure: takes any binary file-like object (``.read(n) -> bytes``: an open local file, Powertools'
streaming ``S3Object``, a botocore ``StreamingBody``) and never holds the file. Memory is bounded
by one chunk of decompressed data and its decoded records, whatever the file's size (see
``benchmarks/diagnostics_bench.py``).

Accepted input
    gzip (one or several members; zero padding between or after members is ignored) or
    uncompressed, told apart by the gzip magic bytes. Inside: JSON Lines (blank lines and CRLF
    allowed) or one top-level JSON array of the same records. A UTF-8 byte order mark is skipped.

Record
    ``{"timestamp": str, "prediction": 0|1, "anomaly_score": number (optional),
    "diagnostics": [{"name": str, "value": number}] (optional)}``; other keys (such as
    ``prediction_reason``) are not read. ``timestamp`` must be ISO 8601
    (``datetime.fromisoformat``). Numbers must be finite. ``diagnostics`` is fully checked (types)
    only in records whose prediction is 1, the only ones it is used for; elsewhere it is only
    checked to be well-formed JSON.

Anything else raises :class:`DiagnosticsFormatError` (an ``InvalidInputError``) naming the line
(JSON Lines) or record number (array) and/or the byte offset in the decompressed data, and what is
wrong. No partial summary is ever returned. A file with no record at all is an error too: the
service always writes at least one record, so an empty file is a broken upload, not a model with
nothing to report.

Modules: :mod:`.inflate` (bytes, gzip through a library), :mod:`.framing` (JSON Lines or an
array, into typed records), :mod:`.summary` (events, sensors, counts), :mod:`.quantiles` (score
percentiles in bounded memory), :mod:`.series` (the report's chart data).
"""

from __future__ import annotations

from model_steward.domain.diagnostics.errors import DiagnosticsFormatError
from model_steward.domain.diagnostics.framing import batches
from model_steward.domain.diagnostics.inflate import BinaryReader, decompressed, read_ahead
from model_steward.domain.diagnostics.series import ScoreSeries, SeriesBucket
from model_steward.domain.diagnostics.summary import DiagnosticsResult, Summariser
from model_steward.models.diagnostics import DiagnosticsSummary


def read_diagnostics(stream: BinaryReader, *, overlap: bool = False) -> DiagnosticsResult:
    """Read the stream once: the summary and the chart series, or DiagnosticsFormatError.

    ``overlap``: inflate in a second thread while decoding (:func:`read_ahead`); worth it where a
    second core is free (the CLI on a workstation), not in a function with one vCPU.
    """
    summariser = Summariser()
    chunks = decompressed(stream)
    for records, where in batches(read_ahead(chunks) if overlap else chunks):
        summariser.add(records, where)
    return summariser.finish()


def summarize_diagnostics(stream: BinaryReader) -> DiagnosticsSummary:
    """The contract summary of a diagnostics file (see :mod:`model_steward.models.diagnostics`)."""
    return read_diagnostics(stream).summary


__all__ = [
    "BinaryReader",
    "DiagnosticsFormatError",
    "DiagnosticsResult",
    "ScoreSeries",
    "SeriesBucket",
    "read_diagnostics",
    "summarize_diagnostics",
]
