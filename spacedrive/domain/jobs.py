"""Job status and the snapshot of a job that callers read."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any
from uuid import UUID


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress report: counts, optional bytes, a phase and a message."""

    completed: int = 0
    total: int = 0
    phase: str = ""
    message: str = ""
    bytes_completed: int = 0
    bytes_total: int = 0
    #: Items per second over the last reports, 0 when unknown.
    rate: float = 0.0

    @property
    def fraction(self) -> float:
        return min(1.0, self.completed / self.total) if self.total > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Progress:
        if not data:
            return cls()
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True, slots=True)
class JobInfo:
    id: UUID
    library_id: UUID
    name: str
    status: JobStatus
    progress: Progress = field(default_factory=Progress)
    priority: int = 0
    error: str = ""
    created_at: int = 0
    started_at: int | None = None
    finished_at: int | None = None
    #: How many times the job was resumed after its process died.
    resumed_count: int = 0
    #: For people: "Indexing Photos" (``Job.describe()``); ``name`` is the job type.
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "library_id": str(self.library_id),
            "name": self.name,
            "status": self.status.value,
            "progress": self.progress.to_dict(),
            "priority": self.priority,
            "error": self.error,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "resumed_count": self.resumed_count,
            "title": self.title or self.name,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobInfo:
        return cls(
            id=UUID(data["id"]),
            library_id=UUID(data["library_id"]),
            name=data["name"],
            status=JobStatus(data["status"]),
            progress=Progress.from_dict(data.get("progress")),
            priority=data.get("priority", 0),
            error=data.get("error", ""),
            created_at=data.get("created_at", 0),
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            resumed_count=data.get("resumed_count", 0),
            title=data.get("title", ""),
        )
