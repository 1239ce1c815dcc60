"""WorkerPool: decoding in worker processes, one file at a time each, killed when a file takes too long.

Image and video decoders are C code fed with files from anywhere. A hostile or broken file may make
one loop forever, allocate without bound or crash. ``concurrent.futures.ProcessPoolExecutor`` cannot
stop one running task, and a worker that dies breaks the whole pool (every file in flight fails with
it). Here each worker process owns a pipe and runs one call at a time; a thread of the pool's own
executor waits for its answer with a deadline. A call past its deadline gets its worker killed, a
worker that dies is replaced on the next call, and in both cases only that call fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar, TypeVarTuple, Unpack, cast

from spacedrive.infrastructure.processes import bare_main

__all__ = ["WorkerCrashed", "WorkerError", "WorkerPool", "WorkerTimeout"]

_Ts = TypeVarTuple("_Ts")
_R = TypeVar("_R")


class WorkerError(Exception):
    """The call raised in the worker; the message is the worker's ``Type: text``."""


class WorkerTimeout(WorkerError):
    """The call ran past its deadline; its worker was killed."""


class WorkerCrashed(WorkerError):
    """The worker process died during the call (a decoder crash, the OOM killer)."""


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _context() -> ForkServerContext | SpawnContext:
    # Never "fork": the parent runs threads (executors, Qt), and forking those is unsafe.
    if "forkserver" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _worker_main(conn: Connection) -> None:
    """A worker's life: answer one ``(function, args)`` at a time until told to stop or the pipe closes."""
    with contextlib.suppress(AttributeError, OSError):  # background work: the GUI and the loop come first
        os.nice(10)
    # Ctrl+C in a terminal reaches the whole process group: the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        fn, args = message
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as e:  # every failure is the caller's answer, never the worker's end
            reply = ("error", f"{type(e).__name__}: {e}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


class _Worker:
    """One worker process and the parent's end of its pipe; used by one thread at a time."""

    def __init__(self, context: ForkServerContext | SpawnContext) -> None:
        self._context = context
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self.busy = False

    def ensure_started(self) -> None:
        """Start the process, or replace a dead one. Call on the loop's thread, never concurrently:
        ``bare_main`` swaps a process-wide module, which two threads at once would leave swapped."""
        if self._process is not None and self._process.is_alive():
            return
        self.stop(kill=True)  # an idle worker may have died too (the OOM killer)
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child,), daemon=True)
        with bare_main():
            process.start()
        child.close()
        self._process, self._conn = process, parent

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        """Run ``fn(*args)`` in the started worker; blocks up to ``timeout`` (in a thread)."""
        self.busy = True
        try:
            return self._call(fn, args, timeout)
        finally:
            self.busy = False

    def _call(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        process, conn = self._process, self._conn
        if process is None or conn is None:
            raise WorkerCrashed("the worker is not running")
        try:
            conn.send((fn, args))
            if not conn.poll(timeout):
                self.stop(kill=True)
                raise WorkerTimeout(f"no answer within {timeout:g} s")
            status, value = conn.recv()
        except (EOFError, OSError, BrokenPipeError) as e:
            process.join(1.0)  # reap it, for its exit code (a negative one names the signal)
            code = process.exitcode
            self.stop(kill=True)
            raise WorkerCrashed(f"the worker died (exit code {code})") from e
        if status != "ok":
            raise WorkerError(value)
        return value

    def interrupt(self) -> None:
        """Kill the process from another thread; the thread in ``call`` sees it die and cleans up."""
        process = self._process
        if process is not None:
            with contextlib.suppress(ValueError, OSError):  # already closed by that thread
                process.kill()

    def stop(self, kill: bool = False, grace: float = 2.0) -> None:
        """End the process: ask it politely unless ``kill``; kill it if it does not leave in time."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            if not kill:
                with contextlib.suppress(OSError, ValueError):
                    conn.send(None)
            conn.close()
        if process is None:
            return
        if kill:
            process.kill()
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join()
        process.close()


class WorkerPool:
    """Up to ``workers`` isolated worker processes, started on first use, each running one call at a time.

    ``await pool.run(fn, *args, time_limit=...)`` runs a module-level function in a worker and returns its
    result; it raises ``WorkerTimeout``, ``WorkerCrashed`` or ``WorkerError`` for that call only.
    Callers beyond ``workers`` wait their turn in order. ``close()`` stops the workers.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.size = max(1, workers or _usable_cpus())
        context = _context()
        self._idle: asyncio.Queue[_Worker] | None = None
        self._workers = [_Worker(context) for _ in range(self.size)]
        # One waiting thread per worker: the default executor stays free for everyone else's I/O.
        self._threads = ThreadPoolExecutor(self.size, thread_name_prefix="media-worker")
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def _queue(self) -> asyncio.Queue[_Worker]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for worker in self._workers:
                self._idle.put_nowait(worker)
        return self._idle

    async def run(self, fn: Callable[[Unpack[_Ts]], _R], *args: *_Ts, time_limit: float = 30.0) -> _R:
        """``fn(*args)`` in a worker process, waiting at most ``time_limit`` seconds for its answer."""
        if self._closed:
            raise RuntimeError("WorkerPool is closed")
        idle = self._queue()
        worker = await idle.get()
        if self._closed:
            idle.put_nowait(worker)
            raise RuntimeError("WorkerPool is closed")
        try:
            worker.ensure_started()
        except BaseException:
            idle.put_nowait(worker)
            raise
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads, worker.call, fn, args, time_limit)
        # The worker is free again only when its thread is done with it, even if this caller is
        # cancelled meanwhile (the shield keeps the call itself running to its end or deadline).
        future.add_done_callback(lambda _: idle.put_nowait(worker))
        return cast(_R, await asyncio.shield(future))

    async def close(self) -> None:
        """Stop every worker; calls still running are cut short (they raise ``WorkerCrashed``)."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._shutdown)

    def _shutdown(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        for worker in self._workers:
            if worker.busy:  # quitting must not wait for a slow file's deadline
                worker.interrupt()
        self._threads.shutdown(wait=True)
        for worker in self._workers:
            worker.stop()
