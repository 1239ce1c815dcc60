"""The ``Job`` base class and its registry.

A job is a dataclass whose fields are its resumable state::

    @dataclass
    class CountJob(Job):
        NAME = "count"
        total: int
        done: int = 0

        async def run(self, ctx: JobContext) -> None:
            while self.done < self.total:
                await ctx.check_interrupt()      # pause / cancel point
                self.done += 1
                ctx.progress(self.done, self.total)
                await ctx.checkpoint()           # persist the fields above

Subclasses register themselves by ``NAME`` when defined; the state is msgpack-serialized, so fields
hold plain data (ints, strings, bytes, lists, dicts).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

import msgpack

from spacedrive.errors import UnknownJob

if TYPE_CHECKING:
    from spacedrive.infrastructure.jobs.context import JobContext

_REGISTRY: dict[str, type[Job]] = {}


class JobCancelledError(Exception):
    """Raised inside a job at a pause/cancel point when the user cancelled it."""


class Job(ABC):
    #: Unique name, stored in the jobs table; a subclass without one is abstract.
    NAME: ClassVar[str] = ""
    #: Whether an interrupted run continues from its last checkpoint when the library opens again.
    RESUMABLE: ClassVar[bool] = True
    #: Higher runs first when the manager's slots are full.
    PRIORITY: ClassVar[int] = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("NAME")
        if name:
            other = _REGISTRY.get(name)
            if other is not None and other.__qualname__ != cls.__qualname__:
                raise TypeError(f"job name {name!r} is taken by {other.__qualname__}")
            _REGISTRY[name] = cls

    @abstractmethod
    async def run(self, ctx: JobContext) -> None:
        """Do the work, calling ``ctx.check_interrupt()``, ``ctx.progress()`` and ``ctx.checkpoint()``."""

    def describe(self) -> str:
        """A short human title for lists and progress bars."""
        return self.NAME

    def serialize(self) -> bytes:
        if not dataclasses.is_dataclass(self):
            raise TypeError(f"{type(self).__qualname__} must be a dataclass to persist its state")
        return msgpack.packb(dataclasses.asdict(self), use_bin_type=True)

    @classmethod
    def deserialize(cls, data: bytes) -> Job:
        return cls(**msgpack.unpackb(data, raw=False))


def job_class(name: str) -> type[Job]:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownJob(f"no job type named {name!r} in this build") from None


def registered_jobs() -> list[str]:
    return sorted(_REGISTRY)
