"""Typed errors of the core. Each has a stable ``code``; the UI and CLI turn them into words."""

from __future__ import annotations


class SpacedriveError(Exception):
    """Base of every error the core raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class DataDirError(SpacedriveError):
    """The data directory cannot be created, read or written."""

    code = "data_dir"


class ConfigError(SpacedriveError):
    """A config file is corrupt or from a newer version."""

    code = "config"


class LibraryNotFound(SpacedriveError):
    code = "library_not_found"


class LibraryExists(SpacedriveError):
    code = "library_exists"


class LibraryLocked(SpacedriveError):
    """Another process holds the library's lock."""

    code = "library_locked"


class LibraryCorrupt(SpacedriveError):
    """``library.json`` or ``database.db`` cannot be read."""

    code = "library_corrupt"


class SchemaTooNew(SpacedriveError):
    """The library was written by a newer Spacedrive; it is refused and left untouched."""

    code = "schema_too_new"


class NoCurrentLibrary(SpacedriveError):
    code = "no_current_library"


class LibraryClosed(SpacedriveError):
    code = "library_closed"


class JobNotFound(SpacedriveError):
    code = "job_not_found"


class JobStateError(SpacedriveError):
    """The job cannot do that in its current status (resume a completed job, say)."""

    code = "job_state"


class UnknownJob(SpacedriveError):
    """A job row names a job class this build does not have."""

    code = "unknown_job"


class DaemonError(SpacedriveError):
    code = "daemon"


class DaemonNotRunning(DaemonError):
    code = "daemon_not_running"


class InvalidArgument(SpacedriveError):
    code = "invalid_argument"


ERRORS_BY_CODE: dict[str, type[SpacedriveError]] = {
    cls.code: cls
    for cls in (
        SpacedriveError,
        DataDirError,
        ConfigError,
        LibraryNotFound,
        LibraryExists,
        LibraryLocked,
        LibraryCorrupt,
        SchemaTooNew,
        NoCurrentLibrary,
        LibraryClosed,
        JobNotFound,
        JobStateError,
        UnknownJob,
        DaemonError,
        DaemonNotRunning,
        InvalidArgument,
    )
}


def error_from_dict(data: dict[str, str]) -> SpacedriveError:
    """Rebuild a typed error received over the control socket."""
    cls = ERRORS_BY_CODE.get(data.get("code", ""), SpacedriveError)
    return cls(data.get("message", "unknown error"))
