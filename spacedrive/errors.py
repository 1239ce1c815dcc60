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


class FileOperationError(SpacedriveError):
    """A file operation could not be done (base of the codes below)."""

    code = "file_operation"


class SourceNotFound(FileOperationError):
    code = "source_not_found"


class DestinationInvalid(FileOperationError):
    """Not a folder, not writable, or inside the folder being copied."""

    code = "destination_invalid"


class DestinationExists(FileOperationError):
    code = "destination_exists"


class InvalidName(FileOperationError):
    code = "invalid_name"


class NotEnoughSpace(FileOperationError):
    code = "not_enough_space"


class ReadOnly(FileOperationError):
    code = "read_only"


class PermissionDenied(FileOperationError):
    code = "permission_denied"


class SourceVanished(FileOperationError):
    code = "source_vanished"


class VerifyFailed(FileOperationError):
    """The destination read back from disk does not hash like the source."""

    code = "verify_failed"


class TrashUnavailable(FileOperationError):
    code = "trash_unavailable"


class RestoreConflict(FileOperationError):
    """Something else now sits where a trashed file is to be restored."""

    code = "restore_conflict"


class ConflictAborted(FileOperationError):
    code = "conflict_aborted"


class ItemsFailed(FileOperationError):
    """A file job finished with some items failed (the rest is done and kept)."""

    code = "items_failed"


class UndoRefused(FileOperationError):
    """Undo or redo would touch files that changed since (or there is nothing to undo)."""

    code = "undo_refused"


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
        FileOperationError,
        SourceNotFound,
        DestinationInvalid,
        DestinationExists,
        InvalidName,
        NotEnoughSpace,
        ReadOnly,
        PermissionDenied,
        SourceVanished,
        VerifyFailed,
        TrashUnavailable,
        RestoreConflict,
        ConflictAborted,
        ItemsFailed,
        UndoRefused,
    )
}


def error_from_dict(data: dict[str, str]) -> SpacedriveError:
    """Rebuild a typed error received over the control socket."""
    cls = ERRORS_BY_CODE.get(data.get("code", ""), SpacedriveError)
    return cls(data.get("message", "unknown error"))
