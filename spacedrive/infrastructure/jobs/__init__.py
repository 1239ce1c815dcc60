"""The job system: define a job as a small ``Job`` dataclass subclass; the manager runs and persists it."""

from spacedrive.infrastructure.jobs.base import Job, JobCancelledError, job_class
from spacedrive.infrastructure.jobs.context import JobContext
from spacedrive.infrastructure.jobs.manager import JobManager

__all__ = ["Job", "JobCancelledError", "JobContext", "JobManager", "job_class"]
