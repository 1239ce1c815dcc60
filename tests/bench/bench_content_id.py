"""Content id throughput: ContentHasher against plain Python and b3sum, warm and cold.

Run with ``pytest tests/bench/bench_content_id.py -s``. Prints a table; asserts no timings. The data
sets (100k files of 1-8 KiB; 100k files of 0-1 KiB, as in source trees; 8 files of 256 MiB; ~2.6 GiB)
are kept in the temp dir between runs. Beside b3sum, two floors measured in the same run: a minimal
``os.open``/``os.read``/blake3/``os.close`` loop, and the same loop without hashing (the system calls
alone), each on as many processes as there are CPUs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from blake3 import blake3

from spacedrive.infrastructure.fs.content_id import ContentHasher, cas_id_of_file, full_hash_of_file

pytestmark = pytest.mark.bench

SMALL_FILES = 100_000
TINY_FILES = 100_000  # 0-1 KiB: typical of source trees, where the per-file system calls are the cost
LARGE_FILES = 8
LARGE_SIZE = 256 << 20
MB = 1e6
DATA = Path(tempfile.gettempdir()) / "spacedrive-bench" / "content_id"


def _make_tiny_set() -> list[bytes]:
    """100k files of 0-1 KiB (made once, beside the first data set)."""
    root = DATA / "tiny"
    tiny = [os.fsencode(root / f"{i // 1000:03d}" / f"t{i:06d}.txt") for i in range(TINY_FILES)]
    done = DATA / ".tiny-complete"
    if done.exists():
        return tiny
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(7)
    for i, path in enumerate(tiny):
        if i % 1000 == 0:
            os.makedirs(os.path.dirname(path))
        with open(path, "wb") as f:
            f.write(rng.randbytes(rng.randint(0, 1024)))
    done.touch()
    return tiny


def _make_data_set() -> tuple[list[bytes], list[bytes]]:
    small_root, large_root = DATA / "small", DATA / "large"
    small = [os.fsencode(small_root / f"{i // 1000:03d}" / f"f{i:06d}.bin") for i in range(SMALL_FILES)]
    large = [os.fsencode(large_root / f"big{i}.bin") for i in range(LARGE_FILES)]
    done = DATA / ".complete"
    if done.exists():
        return small, large
    started = time.perf_counter()
    shutil.rmtree(DATA, ignore_errors=True)
    rng = random.Random(42)
    for i, path in enumerate(small):
        if i % 1000 == 0:
            os.makedirs(os.path.dirname(path))
        with open(path, "wb") as f:
            f.write(rng.randbytes(rng.randint(1024, 8192)))
    large_root.mkdir(parents=True)
    for path in large:
        with open(path, "wb") as f:
            for _ in range(LARGE_SIZE // (16 << 20)):
                f.write(os.urandom(16 << 20))
    done.touch()
    print(f"\ncreated the data set in {DATA} in {time.perf_counter() - started:.1f} s")
    return small, large


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _plain_loop(paths: list[bytes]) -> None:
    for path in paths:
        with open(path, "rb") as f:
            blake3(f.read()).hexdigest()


_FLOOR_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _minimal_loop(paths: list[bytes]) -> None:
    """The least Python can do per file: open, one read, blake3 over size + data, close."""
    for path in paths:
        fd = os.open(path, _FLOOR_FLAGS)
        data = os.read(fd, 102_401)
        os.close(fd)
        blake3(len(data).to_bytes(8, "little") + data).hexdigest(8)


def _syscalls_only(paths: list[bytes]) -> None:
    """The system calls of ``_minimal_loop`` without the hashing: the per-file floor of this machine."""
    for path in paths:
        fd = os.open(path, _FLOOR_FLAGS)
        os.read(fd, 102_401)
        os.close(fd)


def _plain_loop_processes(
    paths: list[bytes], processes: int, loop: Callable[[list[bytes]], None] = _plain_loop
) -> float:
    """Seconds for ``loop`` split across a pool of ``processes`` (pool start not counted)."""
    context = multiprocessing.get_context("forkserver")
    with context.Pool(processes) as pool:
        pool.map(loop, [[]] * processes)  # start the workers outside the timing
        started = time.perf_counter()
        pool.map(loop, [paths[i::processes] for i in range(processes)])
        return time.perf_counter() - started


def _b3sum(paths: list[bytes], processes: int, *flags: str) -> None:
    """b3sum over ``paths``, split across ``processes`` concurrent invocations (like xargs -P)."""
    share = -(-len(paths) // processes)
    procs = []
    for i in range(processes):
        part = paths[i * share : (i + 1) * share]
        for start in range(0, len(part), 10_000):  # stay under ARG_MAX
            procs.append(
                subprocess.Popen(
                    ["b3sum", "--no-names", *flags, *part[start : start + 10_000]], stdout=subprocess.DEVNULL
                )
            )
            if len(procs) >= processes:
                procs.pop(0).wait()
    for p in procs:
        p.wait()


def _drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


async def _hash_with_lag_probe(run: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """Seconds taken by ``await run()`` and the worst event-loop lateness seen meanwhile."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    stop = False

    async def probe() -> None:
        nonlocal worst
        while not stop:
            before = loop.time()
            await asyncio.sleep(0.005)
            worst = max(worst, loop.time() - before - 0.005)

    task = asyncio.create_task(probe())
    started = time.perf_counter()
    await run()
    elapsed = time.perf_counter() - started
    stop = True
    await task
    return elapsed, worst


class _Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, what: str, files: int, seconds: float, note: str = "", nbytes: int = 0) -> None:
        rate = f"{files / seconds:>12,.0f}"
        mbs = f"{nbytes / seconds / MB:>10,.0f}" if nbytes else ""
        self.rows.append((what, rate, mbs, note))

    def note(self, what: str, note: str) -> None:
        self.rows.append((what, "", "", note))

    def lines(self) -> Iterator[str]:
        yield f"{'measurement':<58} {'files/s':>12} {'MB/s':>10}  notes"
        yield "-" * 110
        for what, rate, mbs, note in self.rows:
            yield f"{what:<58} {rate:>12} {mbs:>10}  {note}"


def test_content_id_throughput() -> None:
    small, large = _make_data_set()
    tiny = _make_tiny_set()
    small_sizes = [os.stat(p).st_size for p in small]  # as the index records them
    small_bytes = sum(small_sizes)
    large_bytes = LARGE_FILES * LARGE_SIZE
    have_b3sum = shutil.which("b3sum") is not None
    table = _Table()
    cpus = os.cpu_count() or 1

    _plain_loop(small)  # warm the page cache and the dentry cache
    for p in large:
        full_hash_of_file(p)

    # (a) references
    table.add(
        "reference: plain Python open/read/blake3, 1 process", len(small), _timed(lambda: _plain_loop(small))
    )
    seconds = _plain_loop_processes(small, cpus)
    table.add(f"reference: plain Python loop, {cpus} processes", len(small), seconds)
    seconds = _plain_loop_processes(small, cpus, _minimal_loop)
    table.add(f"reference: os.open/read/blake3/close, {cpus} processes", len(small), seconds)
    seconds = _plain_loop_processes(small, cpus, _syscalls_only)
    table.add(f"floor: os.open/read/close, no hash, {cpus} processes", len(small), seconds)
    if have_b3sum:
        table.add("reference: b3sum, 1 process", len(small), _timed(lambda: _b3sum(small, 1)))
        table.add(f"reference: b3sum, {cpus} processes", len(small), _timed(lambda: _b3sum(small, cpus)))
    else:
        table.note("reference: b3sum", "not installed (apt-get install b3sum)")

    async def warm_runs() -> None:
        async with ContentHasher() as hasher:
            await hasher.hash_files(small[:5_000])  # start the pool outside the timing
            seconds, lag = await _hash_with_lag_probe(lambda: hasher.hash_files(small))
            table.add(
                "ContentHasher.hash_files, one call of 100k",
                len(small),
                seconds,
                f"max loop lag {lag * 1e3:.0f} ms",
            )

            async def in_batches() -> None:
                for i in range(0, len(small), 2_000):
                    await hasher.hash_files(small[i : i + 2_000])

            seconds, lag = await _hash_with_lag_probe(in_batches)
            table.add(
                "ContentHasher.hash_files, batches of 2,000",
                len(small),
                seconds,
                f"max loop lag {lag * 1e3:.0f} ms",
            )
            seconds, lag = await _hash_with_lag_probe(lambda: hasher.hash_files(small, small_sizes))
            table.add(
                "ContentHasher.hash_files, with the index's sizes",
                len(small),
                seconds,
                f"max loop lag {lag * 1e3:.0f} ms",
            )
            seconds, lag = await _hash_with_lag_probe(lambda: hasher.identify_files(small))
            table.add(
                "ContentHasher.identify_files (cas_id + kind), 100k",
                len(small),
                seconds,
                f"max loop lag {lag * 1e3:.0f} ms",
            )
            seconds, lag = await _hash_with_lag_probe(lambda: hasher.identify_files(small, small_sizes))
            table.add(
                "identify_files with sizes (as the indexer calls it)",
                len(small),
                seconds,
                f"max loop lag {lag * 1e3:.0f} ms",
            )

            seconds = _timed(lambda: [cas_id_of_file(p) for p in large])
            table.add(
                "cas_id_of_file, 8 x 256 MiB (sampled)",
                LARGE_FILES,
                seconds,
                "effective: size / time",
                large_bytes,
            )
            seconds, _lag = await _hash_with_lag_probe(lambda: hasher.hash_files(large))
            table.add(
                "ContentHasher.hash_files, 8 x 256 MiB",
                LARGE_FILES,
                seconds,
                "effective: size / time",
                large_bytes,
            )

    asyncio.run(warm_runs())

    # (b) the second set, 0-1 KiB files (source trees): the system calls per file are nearly all of it.
    tiny_sizes = [os.stat(p).st_size for p in tiny]
    tiny_bytes = sum(tiny_sizes)
    _plain_loop(tiny)  # warm
    table.note("(second set)", f"{tiny_bytes / MB:,.0f} MB in {len(tiny):,} files of 0-1 KiB")
    seconds = _plain_loop_processes(tiny, cpus, _syscalls_only)
    table.add(f"0-1 KiB floor: os.open/read/close, no hash, {cpus} processes", len(tiny), seconds)
    seconds = _plain_loop_processes(tiny, cpus, _minimal_loop)
    table.add(f"0-1 KiB reference: os.open/read/blake3/close, {cpus} proc.", len(tiny), seconds)
    if have_b3sum:
        table.add(
            f"0-1 KiB reference: b3sum, {cpus} processes", len(tiny), _timed(lambda: _b3sum(tiny, cpus))
        )

    async def tiny_run() -> tuple[float, float, float]:
        async with ContentHasher() as hasher:
            await hasher.hash_files(tiny[:5_000])  # start the pool outside the timing
            seconds, _lag = await _hash_with_lag_probe(lambda: hasher.hash_files(tiny))
            told, _lag = await _hash_with_lag_probe(lambda: hasher.hash_files(tiny, tiny_sizes))
            kinds, _lag = await _hash_with_lag_probe(lambda: hasher.identify_files(tiny, tiny_sizes))
            return seconds, told, kinds

    seconds, told, kinds = asyncio.run(tiny_run())
    table.add("0-1 KiB: ContentHasher.hash_files, one call of 100k", len(tiny), seconds)
    table.add("0-1 KiB: hash_files with the index's sizes", len(tiny), told)
    table.add("0-1 KiB: identify_files with sizes (the indexer's call)", len(tiny), kinds)

    seconds = _timed(lambda: [full_hash_of_file(p) for p in large])
    table.add("full_hash_of_file, 8 x 256 MiB", LARGE_FILES, seconds, "whole content, 1 thread", large_bytes)
    if have_b3sum:
        seconds = _timed(lambda: _b3sum(large, 1))
        table.add(
            "reference: b3sum, 8 x 256 MiB",
            LARGE_FILES,
            seconds,
            "whole content, mmap, all threads",
            large_bytes,
        )
        seconds = _timed(lambda: _b3sum(large, 1, "--num-threads", "1"))
        table.add(
            "reference: b3sum --num-threads 1, 8 x 256 MiB",
            LARGE_FILES,
            seconds,
            "whole content",
            large_bytes,
        )
    table.note("(the small files)", f"{small_bytes / MB:,.0f} MB in {len(small):,} files")

    # (d) cold
    async def cold_run(paths: list[bytes]) -> float:
        async with ContentHasher() as hasher:
            await hasher.hash_files(small[:64])  # pool up before the caches go
            if not _drop_caches():
                return -1.0
            seconds, _lag = await _hash_with_lag_probe(lambda: hasher.hash_files(paths))
            return seconds

    seconds = asyncio.run(cold_run(small))
    if seconds < 0:
        table.note("cold", "unavailable: cannot write /proc/sys/vm/drop_caches (needs root)")
    else:
        table.add("cold: ContentHasher.hash_files, 100k small", len(small), seconds, "after drop_caches")
        seconds = asyncio.run(cold_run(large))
        table.add(
            "cold: ContentHasher.hash_files, 8 x 256 MiB",
            LARGE_FILES,
            seconds,
            "after drop_caches",
            large_bytes,
        )
        if _drop_caches():
            table.add(
                "cold reference: plain Python loop, 100k small",
                len(small),
                _timed(lambda: _plain_loop(small)),
                "after drop_caches",
            )
        if have_b3sum and _drop_caches():
            table.add(
                f"cold reference: b3sum, {cpus} processes, 100k small",
                len(small),
                _timed(lambda: _b3sum(small, cpus)),
                "after drop_caches",
            )

    print(f"\ncontent ids on {cpus} CPUs, load average {os.getloadavg()[0]:.2f} at the end\n")
    print("\n".join(table.lines()))
