"""An ordered map over forked worker processes, for batch work whose steps need no
database: ``forked_map(function, items, workers=2)`` gives ``function(item)`` for each
item, in the items' order, computed in child processes while the caller works on the
results before.

Why not ``multiprocessing.Pool``: in a bulk import the calling process writes, and is the
one the import waits for. The pool's result thread read each prepared batch from its pipe
64 KB at a time, each read into a new buffer the size of the rest of the message, then
unpickled it holding the interpreter lock, which the writing thread takes back after
every statement: receiving cost the writer about 6 µs a row, and on 2 cores a batch took
twice as long to write while the workers ran. Here the calling thread reads each result
itself, into one buffer of its size, when it needs it: about 2 µs a row, and no other
thread runs in the process.

The children are forked: they start with everything the caller has loaded (and
``function`` needs no pickling), and must leave alone what they share with it (the
database connection). Each has two pipes, for items and results, as large as
the system allows; a framed message is an 8-byte length and a pickle. Items are written
without blocking (the rest is written while the caller waits for a result), so a child
blocked on a large result never waits for a caller blocked on a large item. A child ends
when its item pipe is closed; one that dies makes the caller raise, never wait.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

try:
    import fcntl
except ImportError:  # Windows, where nothing is forked
    fcntl = None

_HEADER = struct.Struct("!Q")
_PIPE_SIZE = 1 << 20  # Linux's default limit for a pipe's buffer


class WorkerDied(RuntimeError):
    """A child process ended before giving a result it had been given an item for."""


def _read_frame(fd: int, wait: Callable[[], None] | None = None) -> bytearray | None:
    """The pickle of the next framed message on ``fd``; None when the pipe ends first.
    ``wait``, if given, returns once ``fd`` can be read (the caller sends items
    meanwhile)."""
    header = _read(fd, _HEADER.size, wait)
    return None if header is None else _read(fd, *_HEADER.unpack(header), wait)


def _read(fd: int, size: int, wait: Callable[[], None] | None) -> bytearray | None:
    """``size`` bytes, read into one buffer of that size; None when the pipe ends first."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        if wait is not None:
            wait()
        count = os.readv(fd, [view[done:]])
        if count == 0:
            return None
        done += count
    return buffer


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _frame(value: Any) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _widen(*fds: int) -> None:
    """Pipe buffers of a megabyte where the system allows (fewer wake-ups per result)."""
    setting = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux
    for fd in fds if setting is not None else ():
        try:
            fcntl.fcntl(fd, setting, _PIPE_SIZE)
        except OSError:
            return  # a lower limit: the default buffers work, with more wake-ups


def _serve(function: Callable[[Any], Any], items: int, results: int) -> None:
    """A child's loop: an item in, its result (or the exception it raised) out."""
    while (data := _read_frame(items)) is not None:
        item = pickle.loads(data)  # noqa: S301  (from the caller)
        try:
            message = (True, function(item))
        except BaseException as error:  # handed to the caller, to raise
            error.add_note("".join(traceback.format_exception(error)).rstrip())
            message = (False, error)
        try:
            data = _frame(message)
        except Exception:  # an exception that does not pickle
            data = _frame((False, RuntimeError(repr(message[1]))))
        _write_all(results, data)


class _Child:
    def __init__(self, function: Callable[[Any], Any], setup, inherited: list[int]) -> None:
        items_read, items_write = os.pipe()
        results_read, results_write = os.pipe()
        _widen(items_write, results_write)
        self.pid = os.fork()
        if self.pid == 0:  # the child
            status = 1
            try:
                # The caller's ends of the other children's pipes: a child holding one
                # would keep that child from ever seeing the end of its items.
                for fd in (items_write, results_read, *inherited):
                    os.close(fd)
                if setup is not None:
                    setup()
                _serve(function, items_read, results_write)
                status = 0
            finally:
                # Never the caller's exit handlers or buffered output: exit as is (the
                # caller sees the pipe close).
                os._exit(status)
        os.close(items_read)
        os.close(results_write)
        os.set_blocking(items_write, False)
        self.items: int | None = items_write
        self.results: int | None = results_read
        self.unsent = memoryview(b"")
        self.closing = False  # no more items: close the pipe once the unsent part is out

    def send(self, item: Any) -> None:
        self.unsent = memoryview(bytes(self.unsent) + _frame(item))
        self.flush()

    def flush(self) -> None:
        while self.unsent:
            try:
                self.unsent = self.unsent[os.write(self.items, self.unsent) :]
            except BlockingIOError:
                return
            except BrokenPipeError:
                # The child is gone: reading its next result says so (WorkerDied).
                self.unsent = memoryview(b"")
                self.closing = True
        if self.closing:
            self.close_items()

    def finish(self) -> None:
        self.closing = True
        self.flush()

    def close_items(self) -> None:
        if self.items is not None:
            os.close(self.items)
            self.items = None

    def stop(self, *, kill: bool) -> None:
        self.close_items()
        if self.results is not None:
            os.close(self.results)
            self.results = None
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass  # reaped already (a server that ignores SIGCHLD)


class _Children:
    def __init__(self, count: int, function, setup) -> None:
        self.children: list[_Child] = []
        try:
            for _number in range(count):
                inherited = [fd for child in self.children for fd in (child.items, child.results)]
                self.children.append(_Child(function, setup, inherited))
        except BaseException:
            self.stop(kill=True)
            raise

    def receive(self, child: _Child) -> Any:
        """The next result of ``child``; the items not yet sent go out meanwhile."""
        data = _read_frame(child.results, lambda: self._wait(child))
        if data is None:
            message = _("准备数据的进程 %(pid)d 意外退出") % {"pid": child.pid}
            raise WorkerDied(message)
        ok, value = pickle.loads(data)  # noqa: S301  (from our child)
        if not ok:
            raise value
        return value

    def _wait(self, child: _Child) -> None:
        """Until ``child``'s results can be read, send the other items that can go."""
        while waiting := [c for c in self.children if c.unsent]:
            poll = select.poll()
            poll.register(child.results, select.POLLIN)
            for other in waiting:
                poll.register(other.items, select.POLLOUT)
            ready = {fd for fd, _event in poll.poll()}
            for other in waiting:
                if other.items in ready:
                    other.flush()
            if child.results in ready:
                return

    def stop(self, *, kill: bool) -> None:
        for child in self.children:
            child.stop(kill=kill)


def forked_map(
    function: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    workers: int,
    ahead: int = 2,
    setup: Callable[[], None] | None = None,
) -> Iterator[Any]:
    """``function(item)`` for each item, in order, computed by ``workers`` forked
    processes (each first runs ``setup``), at most ``ahead`` items per process ahead of
    the caller. An exception ``function`` raises is raised here, for its item. Items and
    results must pickle. Only where ``os.fork`` is safe: no other threads running."""
    children = _Children(workers, function, setup)
    completed = False
    try:
        items = iter(items)
        order: deque[_Child] = deque()

        def give(child: _Child) -> None:
            for item in items:
                child.send(item)
                order.append(child)
                return
            child.finish()

        for _round in range(ahead):
            for child in children.children:
                give(child)
        while order:
            child = order.popleft()
            result = children.receive(child)
            give(child)
            yield result
        completed = True
    finally:
        # At the end every child has its last result read and its pipe closed, so is
        # ending already; otherwise (an error, or the caller stopped) stop them now.
        children.stop(kill=not completed)
