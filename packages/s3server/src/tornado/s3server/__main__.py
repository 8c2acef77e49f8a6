"""``python -m tornado.s3server --port 9000 --root DIR [--bucket-depth N] [--access-key K
--secret-key S] [--address A] [--domain D]``."""

from __future__ import annotations

import argparse
import ctypes
import logging
import platform
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


_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters
_M_TOP_PAD = -2


def tune_malloc() -> bool:
    """Keep freed heap memory for the next request instead of handing it back to the kernel.

    Every request allocates and frees buffers of about 64 KiB (the read, the body, the
    answer).  With glibc's defaults the top of the heap is trimmed after them and the next
    request faults the pages in again, zero-filled: about a dozen page faults per 64 KiB PUT
    or GET.  Keeping up to 8 MiB spare (grown 1 MiB at a time) ends that.  Only glibc has
    these settings; elsewhere nothing changes and this returns False.
    """
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, 8 << 20)) and bool(mallopt(_M_TOP_PAD, 1 << 20))


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
    tune_malloc()
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
