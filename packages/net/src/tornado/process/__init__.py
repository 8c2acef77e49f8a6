"""Several processes: pre-forking workers and child processes with streams (Tornado's ``process``).

``fork_processes`` turns one process holding listening sockets into N workers::

    sockets = bind_sockets(8888)
    fork_processes(0)               # one worker per CPU; only workers return
    server.add_sockets(sockets)

``Subprocess`` runs a command with non-blocking pipes::

    proc = Subprocess(["ls"], stdout=Subprocess.STREAM)
    listing = await proc.stdout.read_until_close()
    await proc.wait_for_exit()
"""

from __future__ import annotations

from ._fork import cpu_count, fork_processes, task_id
from ._subprocess import CalledProcessError, Subprocess

__all__ = ["cpu_count", "fork_processes", "task_id", "Subprocess", "CalledProcessError"]
