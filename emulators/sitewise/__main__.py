"""``python -m emulators.sitewise --port 0``: serve the emulator until interrupted; prints its URL.

S3 writes (metrics and evaluation results) go where boto3's default resolution points
(``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_S3``).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from emulators.sitewise.emulator import SiteWiseEmulator
from model_steward.models.sitewise import SiteWiseFacts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulators.sitewise", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--account-id", default="123456789012")
    parser.add_argument("--facts", default="", help="where to put undocumented facts (name=value,...)")
    args = parser.parse_args(argv)
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    emulator = SiteWiseEmulator(
        args.region, args.account_id, host=args.host, port=args.port, facts=SiteWiseFacts.parse(args.facts)
    )
    with emulator:
        print(emulator.endpoint_url, flush=True)
        print(
            f"# export AWS_ENDPOINT_URL_IOTSITEWISE={emulator.endpoint_url} "
            "AWS_DISABLE_HOST_PREFIX_INJECTION=true  (Ctrl-C stops)",
            file=sys.stderr,
            flush=True,
        )
        while not stopped.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
