"""``python -m tornado.s3server --port 9000 --root DIR [--bucket-depth N] [--access-key K
--secret-key S] [--address A] [--domain D]``."""

from __future__ import annotations

import argparse
import logging
import sys

from ._app import start

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging() -> None:
    """INFO and up to stderr, one line per request (the access log).

    The format uses no caller, thread or process fields, so records skip collecting them
    (the logging documentation's advice for speed): a line costs about a third less.
    """
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging._srcfile = None  # no stack walk to find the caller
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tornado.s3server", description="An S3-compatible server."
    )
    parser.add_argument("--port", type=int, default=9000, help="port to listen on (default 9000)")
    parser.add_argument("--root", required=True, help="directory holding the buckets")
    parser.add_argument("--bucket-depth", type=int, default=0, help="levels of hashed directories per bucket")
    parser.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--access-key", help="require AWS Signature V4 with this access key")
    parser.add_argument("--secret-key", help="the secret key for --access-key")
    parser.add_argument(
        "--domain",
        action="append",
        help="host name for virtual-host addressing (<bucket>.<domain>); repeatable, default localhost",
    )
    parser.add_argument("--region", default="us-east-1", help="region reported to clients")
    args = parser.parse_args(argv)
    if (args.access_key is None) != (args.secret_key is None):
        parser.error("--access-key and --secret-key must be given together")
    configure_logging()
    try:
        start(
            args.port,
            args.root,
            args.bucket_depth,
            address=args.address,
            access_key=args.access_key,
            secret_key=args.secret_key,
            domains=args.domain or ["localhost"],
            region=args.region,
        )
    except ValueError as e:
        parser.error(str(e))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
