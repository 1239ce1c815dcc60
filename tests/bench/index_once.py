"""Index a tree once in a fresh process and print the figures as JSON (used by bench_indexing.py).

A separate script so that the peak RSS measured is the core's own, not pytest's and its plugins'.
RSS is sampled from /proc (Linux): ``ru_maxrss`` would not do, Linux carries it over fork and exec, so
a child reports its parent's peak.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from pathlib import Path

from spacedrive import Core
from spacedrive.operations import locations


class PeakRss:
    """Samples this process's RSS and its largest descendant's every 50 ms.

    Cheaply, so the sampler does not slow what it measures: psutil's ``children()`` reads the stat
    file of every process on the machine per call (measured: ~12% of a core at this rate); here each
    process is looked at once for its parent, and a sample reads the RSS of ours alone.
    """

    def __init__(self) -> None:
        self.main = 0
        self.child = 0
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._parents: dict[int, int] = {}  # pid -> parent pid, read once per process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _rss(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                return int(f.read().split()[1]) * self._page
        except (OSError, IndexError, ValueError):
            return 0  # gone meanwhile

    @staticmethod
    def _command(pid: int) -> bytes:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return f.read()
        except OSError:
            return b""

    def _parent(self, pid: int) -> int:
        if pid not in self._parents:
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    self._parents[pid] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                self._parents[pid] = 0
        return self._parents[pid]

    def _descendants(self) -> list[int]:
        me = os.getpid()
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
        ours = {me}
        for pid in sorted(pids):  # a child has a higher pid than its parent (short of a wrap-around)
            if self._parent(pid) in ours:
                ours.add(pid)
        ours.discard(me)
        return sorted(ours)

    def _run(self) -> None:
        me = os.getpid()
        own = self._command(me)
        before: set[int] = set()
        while not self._stop.wait(0.05):
            self.main = max(self.main, self._rss(me))
            now = set(self._descendants())
            # A child caught between fork and exec (it runs our command line still) shows all of this
            # process's pages as its own: only the ones that run their own program count.
            for pid in now & before:
                if self._command(pid) not in (b"", own):
                    self.child = max(self.child, self._rss(pid))
            before = now

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


async def _index(tree: Path, data: Path, files: int) -> dict[str, float]:
    rss = PeakRss()
    core = Core(data, mode="daemon")
    await core.start(ensure_default_library=True)
    library = core.current_library()
    library.watcher.enabled = False  # measured separately
    try:
        started = time.perf_counter()
        info, job = await locations.add_location(library, str(tree))
        done = await library.jobs.wait(job)
        index_s = time.perf_counter() - started
        assert done.status.value == "completed", done.error
        started = time.perf_counter()
        rescan = await library.jobs.wait(await locations.rescan_location(library, info.id))
        rescan_s = time.perf_counter() - started
        assert rescan.status.value == "completed"
        assert (await locations.get_location(library, info.id)).total_file_count == files
        return {
            "index": index_s,
            "rescan": rescan_s,
            "rss_main": rss.main,
            "rss_child": rss.child,
        }
    finally:
        rss.stop()
        await core.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_index(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))))
