#!/usr/bin/env python3
"""Run N frontends of a Tornado application on consecutive ports, for nginx to balance over.

    python3 deploy/frontends.py --count=4 --base-port=8000 -- \\
        python3 demos/blog/blog.py --port={port} --address=127.0.0.1 --xheaders=true

``{port}`` (and ``{index}``, 0..N-1) in the command are filled in for each frontend.  With
``--reuse-port`` every frontend gets the same port, and each must bind it with
``SO_REUSEPORT`` (``python3 demos/blog/blog.py --port={port} --reuse_port=true``): the kernel
then spreads connections over them, with no proxy in between.  The launcher

* starts the frontends (one per core by default) and waits until each accepts connections;
* restarts a frontend that exits on its own, waiting longer after each quick crash;
* on SIGHUP, restarts the frontends one at a time (a rolling restart): SIGTERM, wait for it
  to drain and exit, start the new one, wait until it accepts, pause ``--settle`` seconds,
  then the next one; nginx sends the requests of the one restarting to the others;
* on SIGTERM or SIGINT, sends SIGTERM to every frontend, waits for them (SIGKILL after
  ``--stop-timeout``) and exits.

A frontend is expected to drain on SIGTERM (``HTTPServer.drain``): stop accepting, answer
what it has started, then exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

log = logging.getLogger("frontends")

QUICK_CRASH = 5.0  # a frontend that dies sooner than this after starting is crash-looping
MAX_BACKOFF = 30.0


class Frontend:
    """One child process serving one port."""

    def __init__(self, index: int, port: int, command: list[str], shared_port: bool = False) -> None:
        self.index = index
        self.port = port
        self.shared_port = shared_port
        self.command = [part.replace("{port}", str(port)).replace("{index}", str(index)) for part in command]
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.backoff = 0.5
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.started = time.monotonic()
        self.restart_at = None
        log.info("frontend %d started on port %d (pid %d)", self.index, self.port, self.process.pid)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def accepting(self, host: str) -> bool:
        try:
            with socket.create_connection((host, self.port), timeout=1):
                return True
        except OSError:
            return False

    def listening(self) -> bool:
        """Whether this process itself listens on the port (a shared port accepts as soon as
        any frontend does, so asking the port says nothing about this one)."""
        assert self.process is not None
        inodes = _listening_inodes(self.port)
        try:
            fds = os.listdir(f"/proc/{self.process.pid}/fd")
        except OSError:
            return False
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{self.process.pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return True
        return False

    def wait_ready(self, host: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return False
            if self.listening() if self.shared_port else self.accepting(host):
                return True
            time.sleep(0.05)
        return False

    def stop(self, timeout: float) -> None:
        """SIGTERM, then SIGKILL when it has not exited after ``timeout`` seconds."""
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("frontend %d did not exit within %ss: killing it", self.index, timeout)
            self.process.kill()
            self.process.wait()


def _listening_inodes(port: int) -> set[str]:
    """Inodes of the TCP sockets listening on ``port`` (Linux's /proc/net/tcp and tcp6)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, state, inode = fields[1], fields[3], fields[9]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        inodes.add(inode)
        except OSError:
            continue
    return inodes


class Launcher:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        step = 0 if args.reuse_port else 1
        self.frontends = [
            Frontend(i, args.base_port + i * step, args.command, args.reuse_port) for i in range(args.count)
        ]
        self.hup = False
        self.term = False

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            self.hup = True
        else:
            self.term = True

    def start_all(self) -> None:
        for f in self.frontends:
            f.start()
        for f in self.frontends:
            if f.wait_ready(self.args.address, self.args.ready_timeout):
                log.info("frontend %d ready on port %d", f.index, f.port)
            else:
                log.error("frontend %d is not accepting on port %d", f.index, f.port)

    def watch(self) -> None:
        """Restart frontends that exited by themselves, backing off when they crash at once."""
        now = time.monotonic()
        for f in self.frontends:
            if f.alive():
                if now - f.started > QUICK_CRASH:
                    f.backoff = 0.5
                continue
            if f.restart_at is None:
                code = f.process.returncode if f.process else None
                f.restart_at = now + (f.backoff if now - f.started < QUICK_CRASH else 0.0)
                log.warning(
                    "frontend %d (port %d) exited with %s; restarting in %.1fs",
                    f.index,
                    f.port,
                    code,
                    f.restart_at - now,
                )
                if now - f.started < QUICK_CRASH:
                    f.backoff = min(f.backoff * 2, MAX_BACKOFF)
            elif now >= f.restart_at:
                f.start()

    def rolling_restart(self) -> None:
        log.info("rolling restart of %d frontends", len(self.frontends))
        for f in self.frontends:
            if self.term:
                return
            f.stop(self.args.stop_timeout)
            f.start()
            if not f.wait_ready(self.args.address, self.args.ready_timeout):
                log.error(
                    "frontend %d did not come back on port %d; stopping the rolling restart", f.index, f.port
                )
                return
            log.info("frontend %d restarted (pid %d)", f.index, f.process.pid if f.process else -1)
            time.sleep(self.args.settle)
        log.info("rolling restart done")

    def stop_all(self) -> None:
        for f in self.frontends:
            if f.alive() and f.process is not None:
                f.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.args.stop_timeout
        for f in self.frontends:
            if f.process is None:
                continue
            try:
                f.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("frontend %d did not exit in time: killing it", f.index)
                f.process.kill()
                f.process.wait()

    def run(self) -> int:
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.on_signal)
        self.start_all()
        while not self.term:
            if self.hup:
                self.hup = False
                self.rolling_restart()
            else:
                self.watch()
                time.sleep(0.1)
        log.info("stopping %d frontends", len(self.frontends))
        self.stop_all()
        return 0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=os.cpu_count() or 1, help="frontends (default: one per core)")
    p.add_argument(
        "--base-port", type=int, default=8000, help="port of the first frontend; the others follow"
    )
    p.add_argument(
        "--reuse-port",
        action="store_true",
        help="every frontend on --base-port, bound with SO_REUSEPORT (Linux) instead of consecutive ports",
    )
    p.add_argument("--address", default="127.0.0.1", help="where to check that a frontend accepts")
    p.add_argument("--ready-timeout", type=float, default=30.0, help="seconds a frontend may take to start")
    p.add_argument(
        "--stop-timeout", type=float, default=30.0, help="seconds to wait for a drain before SIGKILL"
    )
    p.add_argument("--settle", type=float, default=2.0, help="pause between frontends of a rolling restart")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- then the frontend's command, with {port}")
    args = p.parse_args(argv)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        p.error("command: give the frontend's command after --")
    if not any("{port}" in part for part in args.command):
        p.error("command: it must contain {port}, replaced by each frontend's port")
    if args.count < 1:
        p.error(f"--count must be at least 1, got {args.count}")
    if args.reuse_port and not hasattr(socket, "SO_REUSEPORT"):
        p.error("--reuse-port: this platform has no SO_REUSEPORT")
    if args.reuse_port and not os.path.exists("/proc/net/tcp"):
        p.error("--reuse-port: needs Linux's /proc to tell which frontend listens")
    last = args.base_port if args.reuse_port else args.base_port + args.count - 1
    if not 1 <= args.base_port <= last <= 65535:
        p.error(f"--base-port: ports {args.base_port}..{last} are not all valid")
    for name in ("ready_timeout", "stop_timeout"):
        if getattr(args, name) <= 0:
            p.error(f"--{name.replace('_', '-')} must be positive")
    if args.settle < 0:
        p.error("--settle must not be negative")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="[frontends %(asctime)s] %(message)s", stream=sys.stderr)
    return Launcher(parse_args(sys.argv[1:] if argv is None else argv)).run()


if __name__ == "__main__":
    sys.exit(main())
