"""``python -m emulators.lookout --port 0``: serve the emulator until interrupted; prints its URL."""

from __future__ import annotations

import sys

from emulators.common.cli import emulator_arguments, serve_until_stopped
from emulators.lookout.emulator import LookoutEmulator


def main(argv: list[str] | None = None) -> int:
    parser = emulator_arguments("python -m emulators.lookout", __doc__)
    parser.add_argument("--complete-imports", action="store_true", help="ImportModelVersion succeeds at once")
    args = parser.parse_args(argv)
    emulator = LookoutEmulator(
        args.region,
        args.account_id,
        host=args.host,
        port=args.port,
        complete_imports_immediately=args.complete_imports,
    )
    return serve_until_stopped(emulator, "AWS_ENDPOINT_URL_LOOKOUTEQUIPMENT")


if __name__ == "__main__":
    sys.exit(main())
