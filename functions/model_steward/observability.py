"""One Logger, Tracer and Metrics set for every function, configured by POWERTOOLS_* variables.

In Lambda the Tracer records each AWS call, the handler and the ``capture_method`` helpers as
X-Ray subsegments (the X-Ray SDK costs about 15 ms of cold start there). Where X-Ray would record
nothing anyway (outside Lambda: the CLI, tests, the local stack; or with
``POWERTOOLS_TRACE_DISABLED=true``; or in a build without the X-Ray SDK) the Tracer gets a provider
that records nothing, so the X-Ray SDK is never imported: it costs about 100 ms outside Lambda,
where it creates X-Ray clients for its sampler.

Logs go to standard error (as it is at each write): in Lambda both streams reach CloudWatch Logs,
and in the `steward` command line the logs of the code it shares with the functions stay off
standard output, which may be JSON. Metrics (EMF) are printed to standard output, as Powertools does.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import IO, Any, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

_TRUE = {"1", "true", "t", "yes", "y", "on"}


def traces_aws_calls(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the Tracer records to X-Ray: the same rule as Powertools' own (in Lambda, not under
    ``sam local``, not disabled), and only if the X-Ray SDK is bundled."""
    if environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in _TRUE:
        return False
    if not environ.get("LAMBDA_TASK_ROOT") or environ.get("AWS_SAM_LOCAL"):
        return False
    return importlib.util.find_spec("aws_xray_sdk") is not None


class _NoSegment(BaseSegment):
    def close(self, end_time: int | None = None) -> None:
        pass

    def add_subsegment(self, subsegment: Any) -> None:
        pass

    def remove_subsegment(self, subsegment: Any) -> None:
        pass

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def add_exception(self, exception: BaseException, stack: list[Any], remote: bool = False) -> None:
        pass


class UntracedProvider(BaseProvider):
    """Powertools' tracing provider interface, recording nothing."""

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield _NoSegment()

    @asynccontextmanager
    async def in_subsegment_async(self, name: str | None = None, **kwargs: Any) -> AsyncIterator[BaseSegment]:
        yield _NoSegment()

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def patch(self, modules: Sequence[str]) -> None:
        pass

    def patch_all(self) -> None:
        pass


WIRE_LOGGERS = ("botocore.parsers", "botocore.endpoint")
"""botocore's loggers that write request and response bodies (at DEBUG)."""


class _NoWireContent(logging.Filter):
    """Drops DEBUG records: the ones that carry request and response bodies."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def keep_wire_content_out_of_logs() -> None:
    """Filter botocore's wire loggers (a filter on the logger itself holds whatever its level)."""
    for name in WIRE_LOGGERS:
        wire = logging.getLogger(name)
        if not any(isinstance(f, _NoWireContent) for f in wire.filters):
            wire.addFilter(_NoWireContent())


def _tracer() -> Tracer:
    if traces_aws_calls():
        return Tracer()
    return Tracer(provider=UntracedProvider(), auto_patch=False, disabled=False)


class _StandardError:
    """``sys.stderr`` at the time of each write (a redirect or a test's capture sees the logs)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


# An invocation that had nothing to count (an idle tick, an alarm's Slack copy) is normal: without
# this, Powertools writes a Python warning to the function's log on each one.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
keep_wire_content_out_of_logs()
logger = Logger(stream=cast(IO[str], _StandardError()))
tracer = _tracer()
metrics = Metrics()
