"""``python -m emulators.<service>``: the arguments every emulator takes, and serving until stopped."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from emulators.common.emulator import ServedEmulator


def emulator_arguments(prog: str, description: str | None) -> argparse.ArgumentParser:
    """A parser with ``--host``, ``--port``, ``--region`` and ``--account-id``; a service adds its own."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--account-id", default="123456789012")
    return parser


def serve_until_stopped(emulator: ServedEmulator, endpoint_variable: str, *settings: str) -> int:
    """Serve until SIGTERM or Ctrl-C. Prints the endpoint URL on stdout and, on stderr, the
    ``export`` line a client needs: ``endpoint_variable`` set to the URL, then ``settings``."""
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with emulator:
        print(emulator.endpoint_url, flush=True)
        exports = " ".join([f"{endpoint_variable}={emulator.endpoint_url}", *settings])
        print(f"# export {exports}  (Ctrl-C stops)", file=sys.stderr, flush=True)
        while not stopped.wait(0.5):
            pass
    return 0
