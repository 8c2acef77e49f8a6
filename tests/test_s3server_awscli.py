"""``python -m tornado.s3server`` as a process, driven by the AWS CLI (``aws s3 ...`` with
--endpoint-url): cp, ls, sync and rm against a server that checks Signature V4."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ACCESS_KEY = "AKIDCLITEST"
SECRET_KEY = "cli/secret+key"


class Server:
    def __init__(
        self, process: subprocess.Popen[bytes], port: int, log: Path, root: Path, host: str = "127.0.0.1"
    ) -> None:
        self.process, self.port, self.log_path, self.root = process, port, log, root
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def start_server(tmp_path: Path, net: Any) -> Iterator[Callable[..., Server]]:
    """Start ``python -m tornado.s3server --port P --root DIR [args]`` and wait until it answers."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> Server:
        port = net.free_port()
        root = tmp_path / f"root-{port}"
        root.mkdir()
        log = tmp_path / f"server-{port}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tornado.s3server", "--port", str(port), "--root", str(root), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        host = args[args.index("--address") + 1] if "--address" in args else "127.0.0.1"
        server = Server(proc, port, log, root, host)
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"s3server exited with {proc.returncode}:\n{server.log()}")
            try:
                urllib.request.urlopen(server.url + "/", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"s3server did not answer:\n{server.log()}") from None
                time.sleep(0.05)
        return server

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port``, from /proc/net/tcp{,6}."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            addr, hexport = fields[1].split(":")
            if int(hexport, 16) == port and fields[3] == "0A":
                found.add(addr)
    return found


def test_cli_defaults_to_loopback_and_warns_without_keys(start_server: Callable[..., Server]) -> None:
    server = start_server()
    assert _listening_addresses(server.port) == {"0100007F"}  # 127.0.0.1 only
    assert "no access key configured" in server.log()
    with urllib.request.urlopen(server.url + "/") as resp:
        assert b"<ListAllMyBucketsResult" in resp.read()


def test_cli_listens_on_the_given_address(start_server: Callable[..., Server]) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 support")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("::1 is not configured")
    server = start_server("--address", "::1")
    assert _listening_addresses(server.port) == {"00000000000000000000000001000000"}  # ::1 only
    with urllib.request.urlopen(server.url + "/", timeout=10) as resp:
        assert b"<ListAllMyBucketsResult" in resp.read()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{server.port}/", timeout=10)


def test_cli_bucket_depth_reaches_the_storage(start_server: Callable[..., Server]) -> None:
    server = start_server("--bucket-depth", "1")
    for target, body in (("/depth-bucket", b""), ("/depth-bucket/key", b"value")):
        req = urllib.request.Request(server.url + target, data=body, method="PUT")
        urllib.request.urlopen(req, timeout=10).close()
    bucket = server.root / "depth-bucket"
    files = [p.relative_to(bucket).parts for p in bucket.rglob("*") if p.is_file() and p.name[0] != "."]
    assert len(files) == 1 and len(files[0]) == 2 and len(files[0][0]) == 2  # one hashed level


def test_cli_with_keys_requires_signatures(start_server: Callable[..., Server]) -> None:
    server = start_server("--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY, "--bucket-depth", "1")
    assert "no access key configured" not in server.log()
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(server.url + "/")
    assert e.value.code == 403


def test_cli_refuses_a_bad_configuration(tmp_path: Path) -> None:
    for args in (
        ["--root", str(tmp_path / "missing")],
        ["--root", str(tmp_path), "--access-key", "only-one"],
    ):
        r = subprocess.run(
            [sys.executable, "-m", "tornado.s3server", "--port", "0", *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert r.returncode == 2, r
        assert "root_directory" in r.stderr or "--secret-key" in r.stderr, r.stderr


@pytest.fixture
def aws(tmp_path: Path) -> Callable[..., str]:
    """Runs the AWS CLI with test credentials; skips when it is missing unless CI=true."""
    # Debian's awscli (v2) first: the one CI installs; another ``aws`` on PATH otherwise.
    binary = "/usr/bin/aws" if os.access("/usr/bin/aws", os.X_OK) else shutil.which("aws")
    if binary is None:
        reason = "aws not found (install Debian's awscli package)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }

    def run(endpoint: str, *args: str, check: bool = True) -> str:
        r = subprocess.run(
            [binary, "--endpoint-url", endpoint, *args], capture_output=True, text=True, env=env, timeout=120
        )
        if check:
            assert r.returncode == 0, f"aws {' '.join(args)}: {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r.stdout + r.stderr

    return run


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_aws_cli_cp_ls_sync_rm(
    start_server: Callable[..., Server], aws: Callable[..., str], tmp_path: Path
) -> None:
    server = start_server("--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY)
    url = server.url
    aws(url, "s3", "mb", "s3://cli-bucket")
    assert "cli-bucket" in aws(url, "s3", "ls")

    small = tmp_path / "hello.txt"
    small.write_text("hello from the aws cli\n")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024))  # above the CLI's 8 MB multipart threshold
    aws(url, "s3", "cp", str(small), "s3://cli-bucket/docs/hello.txt")
    aws(url, "s3", "cp", str(big), "s3://cli-bucket/blobs/big.bin")
    listing = aws(url, "s3", "ls", "s3://cli-bucket/")
    assert "PRE docs/" in listing and "PRE blobs/" in listing
    assert "hello.txt" in aws(url, "s3", "ls", "s3://cli-bucket/docs/")
    down = tmp_path / "down"
    aws(url, "s3", "cp", "s3://cli-bucket/blobs/big.bin", str(down / "big.bin"))
    aws(url, "s3", "cp", "s3://cli-bucket/docs/hello.txt", str(down / "hello.txt"))
    assert _digest(down / "big.bin") == _digest(big)
    assert (down / "hello.txt").read_text() == "hello from the aws cli\n"

    tree = tmp_path / "tree"
    for rel in ("a.txt", "sub/b.txt", "sub/deeper/c.txt", "spaced name/d e.txt", "\u00fcnicode/\u00e9.txt"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(rel)
    out = aws(url, "s3", "sync", str(tree), "s3://cli-bucket/tree")
    assert out.count("upload:") == 5
    recursive = aws(url, "s3", "ls", "--recursive", "s3://cli-bucket/tree/")
    for rel in (
        "tree/a.txt",
        "tree/sub/deeper/c.txt",
        "tree/spaced name/d e.txt",
        "tree/\u00fcnicode/\u00e9.txt",
    ):
        assert rel in recursive
    assert aws(url, "s3", "sync", str(tree), "s3://cli-bucket/tree").count("upload:") == 0  # nothing changed
    (tree / "sub" / "b.txt").write_text("changed, and longer than before")
    (tree / "a.txt").unlink()
    out = aws(url, "s3", "sync", "--delete", str(tree), "s3://cli-bucket/tree")
    assert "upload:" in out and "sub/b.txt" in out and "delete:" in out and "a.txt" in out
    back = tmp_path / "back"
    aws(url, "s3", "sync", "s3://cli-bucket/tree", str(back))
    assert sorted(str(p.relative_to(back)) for p in back.rglob("*") if p.is_file()) == sorted(
        str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file()
    )
    assert (back / "sub" / "b.txt").read_text() == "changed, and longer than before"

    aws(url, "s3", "rm", "s3://cli-bucket/docs/hello.txt")
    assert "hello.txt" not in aws(url, "s3", "ls", "--recursive", "s3://cli-bucket/")
    failed = aws(url, "s3", "rb", "s3://cli-bucket", check=False)
    assert "BucketNotEmpty" in failed
    aws(url, "s3", "rm", "--recursive", "s3://cli-bucket/")
    assert aws(url, "s3", "ls", "--recursive", "s3://cli-bucket/").strip() == ""
    aws(url, "s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in aws(url, "s3", "ls")


def test_aws_cli_with_a_wrong_secret(start_server: Callable[..., Server], aws: Callable[..., str]) -> None:
    server = start_server("--access-key", ACCESS_KEY, "--secret-key", "another secret")
    out = aws(server.url, "s3", "ls", check=False)
    assert "SignatureDoesNotMatch" in out
