"""PipeIOStream: a BaseIOStream over one end of a pipe (Unix only)."""

from __future__ import annotations

import errno
import os

from tornado.ioloop import IOLoop

from ._base import BaseIOStream, _Buffer

__all__ = ["PipeIOStream"]


class PipeIOStream(BaseIOStream):
    """A stream over an integer pipe file descriptor, such as one from ``os.pipe()``.

    A pipe goes one way, so a PipeIOStream is used for reading or for writing, not both.
    The stream owns the descriptor and closes it when the stream closes.
    """

    def __init__(
        self,
        fd: int,
        io_loop: IOLoop | None = None,
        max_buffer_size: int | None = None,
        read_chunk_size: int | None = None,
        max_write_buffer_size: int | None = None,
    ) -> None:
        if not isinstance(fd, int) or isinstance(fd, bool) or fd < 0:
            raise TypeError(f"PipeIOStream needs an open integer file descriptor, not {fd!r}")
        super().__init__(io_loop, max_buffer_size, read_chunk_size, max_write_buffer_size)
        os.set_blocking(fd, False)
        self._fd = fd

    def _recv(self) -> bytes | None:
        try:
            return os.read(self._fd, self.read_chunk_size)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as e:
            # The write end of a pipe polls readable (EPOLLERR) once its reader is gone;
            # reading it fails with EBADF/EINVAL, which here means "the peer went away".
            if e.errno in (errno.EBADF, errno.EINVAL):
                return b""
            raise

    @property
    def fd(self) -> int:
        """The pipe's file descriptor, as Tornado 6 names it (``fileno()`` returns it too)."""
        return self._fd

    def read_from_fd(self, buf: bytearray | memoryview) -> int | None:
        try:
            return os.readv(self._fd, [buf])
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as e:
            if e.errno in (errno.EBADF, errno.EINVAL):  # see _recv
                return 0
            raise

    def _send(self, data: _Buffer) -> int:
        return os.write(self._fd, data)

    def write_to_fd(self, data: memoryview) -> int:
        return os.write(self._fd, data)

    def close_fd(self) -> None:
        os.close(self._fd)
