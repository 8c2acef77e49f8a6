from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest
from nethelp import eventually, open_fds
from tornado.ioloop import IOLoop, event_loop_name
from tornado.iostream import PipeIOStream
from tornado.process import CalledProcessError, Subprocess, cpu_count, fork_processes, task_id

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="Unix only")


def test_cpu_count() -> None:
    n = cpu_count()
    assert isinstance(n, int) and 1 <= n <= (os.cpu_count() or 1)
    assert n == len(os.sched_getaffinity(0))


def test_task_id_outside_fork_processes() -> None:
    assert task_id() is None


def test_called_process_error_is_the_standard_one() -> None:
    assert CalledProcessError is subprocess.CalledProcessError


def run_script(tmp_path: Any, body: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=timeout, start_new_session=True
    )


def test_fork_processes_gives_each_worker_its_id(tmp_path: Any) -> None:
    out = run_script(
        tmp_path,
        """
        import os
        from tornado.process import fork_processes, task_id
        parent = os.getpid()
        i = fork_processes(3)
        assert os.getpid() != parent
        os.write(1, f"worker {i} {task_id()}\\n".encode())  # one write: workers share stdout
        """,
    )
    assert out.returncode == 0, out.stderr
    lines = sorted(out.stdout.split("\n")[:-1])
    assert lines == ["worker 0 0", "worker 1 1", "worker 2 2"]


def test_fork_processes_zero_means_one_per_cpu(tmp_path: Any) -> None:
    out = run_script(
        tmp_path,
        """
        import os
        from tornado.process import fork_processes
        os.write(1, b"%d\\n" % fork_processes(0))
        """,
    )
    assert out.returncode == 0, out.stderr
    assert sorted(map(int, out.stdout.split())) == list(range(cpu_count()))


def test_crashed_workers_are_restarted_with_their_id(tmp_path: Any) -> None:
    marker = tmp_path / "marks"
    marker.mkdir()
    out = run_script(
        tmp_path,
        f"""
        import os, signal
        from tornado.process import fork_processes
        i = fork_processes(2)
        mark = os.path.join({str(marker)!r}, str(i))
        first = not os.path.exists(mark)
        open(mark, "a").write("x")
        if first and i == 0:
            os._exit(3)          # a non-zero exit: restarted
        if first and i == 1:
            os.kill(os.getpid(), signal.SIGKILL)  # killed: restarted
        os.write(1, b"done %d\\n" % i)
        """,
    )
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.split("\n")[:-1]) == ["done 0", "done 1"]
    assert (marker / "0").read_text() == "xx" and (marker / "1").read_text() == "xx"


def test_too_many_restarts_raise_in_the_parent(tmp_path: Any) -> None:
    out = run_script(
        tmp_path,
        """
        import os
        from tornado.process import fork_processes
        import signal
        try:
            fork_processes(1, max_restarts=2)
        except RuntimeError as e:
            # The parent's own signal handling is back.
            assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
            print("parent:", e, flush=True)
            raise SystemExit(0)
        os._exit(1)  # every worker fails
        """,
    )
    assert out.returncode == 0, out.stderr
    assert "parent: Too many child restarts" in out.stdout


def test_fork_processes_from_a_thread(tmp_path: Any) -> None:
    """Signal handlers cannot be set outside the main thread; forking still works there."""
    out = run_script(
        tmp_path,
        """
        import os, threading
        from tornado.process import fork_processes
        errors = []

        def fork():
            try:
                fork_processes(2)
            except SystemExit:
                return  # the parent, once its workers are done
            except BaseException as e:
                errors.append(repr(e))
                return
            os._exit(0)  # a worker

        t = threading.Thread(target=fork)
        t.start()
        t.join(30)
        print("errors", errors, flush=True)
        """,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "errors []"


def test_bad_arguments_name_themselves() -> None:
    with pytest.raises(ValueError, match="num_processes"):
        fork_processes("2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_restarts"):
        fork_processes(1, max_restarts=-1)


def test_fork_processes_only_once(tmp_path: Any) -> None:
    out = run_script(
        tmp_path,
        """
        from tornado.process import fork_processes
        fork_processes(1)
        try:
            fork_processes(1)
        except RuntimeError as e:
            print(e, flush=True)
        """,
    )
    assert out.returncode == 0, out.stderr
    assert "already called" in out.stdout


def test_sigterm_to_the_parent_stops_every_worker(tmp_path: Any) -> None:
    script = tmp_path / "term.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, sys, time
            from tornado.process import fork_processes
            i = fork_processes(2)
            os.write(1, b"%d\\n" % os.getpid())
            time.sleep(120)
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert proc.stdout is not None
        workers = [int(proc.stdout.readline()), int(proc.stdout.readline())]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == -signal.SIGTERM  # the parent ends by the signal it got
        for pid in workers:  # and its workers are gone, not restarted
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.02)
            else:
                raise AssertionError(f"worker {pid} still running")
        assert proc.stdout.read() == ""  # no replacement worker printed anything
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(30)


# ------------------------------------------------------------------- Subprocess


@pytest.fixture
def sigchld(io_loop: IOLoop) -> Any:
    yield
    Subprocess.uninitialize()


def test_stdout_and_stderr_streams(io_loop: IOLoop, run: Any, sigchld: None) -> None:
    async def main() -> None:
        proc = Subprocess(
            [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr)"],
            stdout=Subprocess.STREAM,
            stderr=Subprocess.STREAM,
        )
        assert isinstance(proc.stdout, PipeIOStream) and isinstance(proc.stderr, PipeIOStream)
        assert proc.stdin is None
        out, err = await asyncio.gather(proc.stdout.read_until_close(), proc.stderr.read_until_close())
        assert (out, err) == (b"out\n", b"err\n")
        assert await proc.wait_for_exit() == 0
        assert proc.returncode == 0 and proc.pid == proc.proc.pid

    run(main)


def test_stdin_stream(io_loop: IOLoop, run: Any, sigchld: None) -> None:
    async def main() -> None:
        proc = Subprocess(["cat"], stdin=Subprocess.STREAM, stdout=Subprocess.STREAM)
        await proc.stdin.write(b"through the pipe\n")
        proc.stdin.close()
        assert await proc.stdout.read_until_close() == b"through the pipe\n"
        assert await proc.wait_for_exit() == 0

    run(main)


def test_stderr_to_stdout_and_other_popen_values(io_loop: IOLoop, run: Any, sigchld: None) -> None:
    async def main() -> None:
        proc = Subprocess(
            [sys.executable, "-c", "import sys; sys.stderr.write('e'); sys.stdout.write('o')"],
            stdout=Subprocess.STREAM,
            stderr=subprocess.STDOUT,
        )
        assert proc.stderr is None
        assert sorted((await proc.stdout.read_until_close()).decode()) == ["e", "o"]
        await proc.wait_for_exit()
        plain = Subprocess(["true"], stdout=subprocess.PIPE)
        assert not isinstance(plain.stdout, PipeIOStream)  # Popen's own file
        await plain.wait_for_exit()
        plain.stdout.close()

    run(main)


def test_wait_for_exit_raises_on_failure(io_loop: IOLoop, run: Any, sigchld: None) -> None:
    async def main() -> None:
        proc = Subprocess([sys.executable, "-c", "raise SystemExit(3)"])
        with pytest.raises(CalledProcessError) as info:
            await proc.wait_for_exit()
        assert info.value.returncode == 3
        again = Subprocess([sys.executable, "-c", "raise SystemExit(4)"])
        assert await again.wait_for_exit(raise_error=False) == 4

    run(main)


def test_killed_by_a_signal_is_negative(io_loop: IOLoop, run: Any, sigchld: None) -> None:
    async def main() -> None:
        proc = Subprocess(["sleep", "60"])
        waiting = proc.wait_for_exit(raise_error=False)
        proc.proc.kill()
        assert await waiting == -signal.SIGKILL

    run(main)


def test_set_exit_callback(io_loop: IOLoop, run: Any, sigchld: None) -> None:
    codes: list[int] = []

    async def main() -> None:
        proc = Subprocess([sys.executable, "-c", "raise SystemExit(5)"])
        proc.set_exit_callback(codes.append)
        waiting = proc.wait_for_exit(raise_error=False)  # both ways of waiting work together
        assert await waiting == 5
        await eventually(lambda: codes == [5])
        with pytest.raises(TypeError, match="callback"):
            proc.set_exit_callback(5)  # type: ignore[arg-type]

    run(main)


def test_exit_before_anyone_waits_is_still_reported(io_loop: IOLoop, run: Any, sigchld: None) -> None:
    async def main() -> None:
        proc = Subprocess(["true"])
        deadline = time.monotonic() + 10
        # Let it exit (and its SIGCHLD go by) before the handler exists.
        while time.monotonic() < deadline and not os.path.exists(f"/proc/{proc.pid}/stat"):
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        assert await asyncio.wait_for(proc.wait_for_exit(), 10) == 0
        # And once more, after it has been reaped.
        assert await asyncio.wait_for(proc.wait_for_exit(), 10) == 0

    run(main)


def test_many_children_at_once(io_loop: IOLoop, run: Any, sigchld: None) -> None:
    async def main() -> None:
        procs = [Subprocess([sys.executable, "-c", f"raise SystemExit({i})"]) for i in range(8)]
        codes = await asyncio.gather(*(p.wait_for_exit(raise_error=False) for p in procs))
        assert codes == list(range(8))

    run(main)


def test_initialize_and_uninitialize_the_sigchld_handler(io_loop: IOLoop, run: Any) -> None:
    if event_loop_name(io_loop.asyncio_loop) == "uvloop":
        pytest.skip("uvloop keeps SIGCHLD for itself; children are watched through pidfds there")
    assert signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL
    Subprocess.initialize()
    Subprocess.initialize()  # idempotent
    try:
        assert signal.getsignal(signal.SIGCHLD) != signal.SIG_DFL
    finally:
        Subprocess.uninitialize()
    assert signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL
    Subprocess.uninitialize()  # harmless when not installed

    async def main() -> None:
        # set_exit_callback installs the handler itself when it is missing.
        proc = Subprocess(["true"])
        codes: list[int] = []
        proc.set_exit_callback(codes.append)
        assert signal.getsignal(signal.SIGCHLD) != signal.SIG_DFL
        await eventually(lambda: codes == [0])

    try:
        run(main)
    finally:
        Subprocess.uninitialize()


def test_a_loop_in_another_thread_watches_its_children_by_pidfd(sigchld: None) -> None:
    """Outside the main thread there can be no signal handler; exits are still reported."""
    results: list[Any] = []

    def in_thread() -> None:
        loop = IOLoop()
        try:

            async def main() -> list[int]:
                procs = [Subprocess([sys.executable, "-c", f"raise SystemExit({i})"]) for i in range(3)]
                slow = Subprocess(["sleep", "0.3"])
                codes = await asyncio.gather(*(p.wait_for_exit(raise_error=False) for p in procs))
                return [*codes, await slow.wait_for_exit()]

            results.append(loop.run_sync(main, timeout=30))
        except BaseException as e:
            results.append(e)
        finally:
            Subprocess.uninitialize()
            loop.close()

    before = open_fds()
    t = threading.Thread(target=in_thread)
    t.start()
    t.join(60)
    assert results == [[0, 1, 2, 0]]
    assert signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL  # no handler was installed
    assert open_fds() <= before  # every pidfd closed


def test_the_handler_follows_a_new_loop(sigchld: None) -> None:
    """The loop that held the handler was closed: the next Subprocess installs it anew."""
    for _ in range(2):
        loop = IOLoop()
        loop.make_current()
        try:

            async def main() -> int:
                return await Subprocess(["true"]).wait_for_exit()

            assert loop.run_sync(main, timeout=30) == 0
        finally:
            IOLoop.clear_current()
            loop.close()


def test_a_failed_spawn_leaks_no_descriptors(io_loop: IOLoop, sigchld: None) -> None:
    before = open_fds()
    with pytest.raises(FileNotFoundError):
        Subprocess(
            ["/no/such/program"], stdin=Subprocess.STREAM, stdout=Subprocess.STREAM, stderr=Subprocess.STREAM
        )
    assert open_fds() == before


def test_streams_own_only_the_parents_ends(io_loop: IOLoop, run: Any, sigchld: None) -> None:
    async def main() -> None:
        await asyncio.sleep(0)
        before = open_fds()
        proc = Subprocess(["cat"], stdin=Subprocess.STREAM, stdout=Subprocess.STREAM)
        assert open_fds() == before + 2  # the child's ends are closed here
        proc.stdin.close()
        assert await proc.stdout.read_until_close() == b""
        proc.stdout.close()
        await proc.wait_for_exit()
        assert open_fds() == before

    run(main)
