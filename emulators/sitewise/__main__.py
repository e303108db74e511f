"""``python -m emulators.sitewise --port 0``: serve the emulator until interrupted; prints its URL.

S3 writes (metrics and evaluation results) go where boto3's default resolution points
(``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_S3``).
"""

from __future__ import annotations

import sys

from emulators.common.cli import emulator_arguments, serve_until_stopped
from emulators.sitewise.emulator import SiteWiseEmulator
from model_steward.models.sitewise import SiteWiseFacts


def main(argv: list[str] | None = None) -> int:
    parser = emulator_arguments("python -m emulators.sitewise", __doc__)
    parser.add_argument("--facts", default="", help="where to put undocumented facts (name=value,...)")
    args = parser.parse_args(argv)
    emulator = SiteWiseEmulator(
        args.region, args.account_id, host=args.host, port=args.port, facts=SiteWiseFacts.parse(args.facts)
    )
    return serve_until_stopped(
        emulator, "AWS_ENDPOINT_URL_IOTSITEWISE", "AWS_DISABLE_HOST_PREFIX_INJECTION=true"
    )


if __name__ == "__main__":
    sys.exit(main())
