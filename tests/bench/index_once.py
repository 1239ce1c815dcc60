"""Index a tree once in a fresh process and print the figures as JSON (used by bench_indexing.py).

A separate script so that the peak RSS measured is the core's own, not pytest's and its plugins'.
RSS is sampled with psutil: ``ru_maxrss`` would not do, Linux carries it over fork and exec, so a
child reports its parent's peak.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from pathlib import Path

import psutil

from spacedrive import Core
from spacedrive.operations import locations


class PeakRss:
    """Samples this process's RSS and its largest child's every 50 ms."""

    def __init__(self) -> None:
        self.main = 0
        self.child = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.05):
            try:
                self.main = max(self.main, me.memory_info().rss)
                for child in me.children(recursive=True):
                    self.child = max(self.child, child.memory_info().rss)
            except psutil.Error:
                continue

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
