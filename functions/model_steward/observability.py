"""One Logger, Tracer and Metrics set for every function, configured by POWERTOOLS_* variables.

Logs go to standard error (as it is at each write): in Lambda both streams reach CloudWatch Logs,
and in the `steward` command line the logs of the code it shares with the functions stay off
standard output, which may be JSON. Metrics (EMF) are printed to standard output, as Powertools does.
"""

import sys
from typing import IO, cast

from aws_lambda_powertools import Logger, Metrics, Tracer


class _StandardError:
    """``sys.stderr`` at the time of each write (a redirect or a test's capture sees the logs)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


logger = Logger(stream=cast(IO[str], _StandardError()))
tracer = Tracer()
metrics = Metrics()
