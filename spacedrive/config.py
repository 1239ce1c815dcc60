"""Where data lives and the application config (``spacedrive.json``), versioned and migrated on load."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from spacedrive.errors import ConfigError, DataDirError, InvalidArgument
from spacedrive.infrastructure.fs.atomic import write_json_atomic

DATA_DIR_ENV = "SPACEDRIVE_DATA_DIR"
CONFIG_FILE = "spacedrive.json"
CONFIG_VERSION = 2
_INSTANCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None, instance: str | None = None) -> Path:
    """The data dir: ``data_dir`` if given, else ``$SPACEDRIVE_DATA_DIR``, else the platform's user data dir.

    A named instance gets its own ``instance-NAME`` sub-directory (spec: cli-multi-instance).
    """
    if data_dir:
        base = Path(data_dir)
    elif os.environ.get(DATA_DIR_ENV):
        base = Path(os.environ[DATA_DIR_ENV])
    else:
        base = Path(platformdirs.user_data_dir("Spacedrive", appauthor=False))
    base = base.expanduser().absolute()
    if instance:
        if not _INSTANCE_RE.match(instance):
            raise InvalidArgument(
                f"invalid instance name {instance!r}: use letters, digits, '.', '_' or '-' (at most 64)"
            )
        base = base / f"instance-{instance}"
    return base


def ensure_data_dir(path: Path) -> None:
    """Create the data dir if needed and prove it is writable, with one clear error if not."""
    if path.exists() and not path.is_dir():
        raise DataDirError(f"data directory {path} is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataDirError(f"data directory {path} cannot be created: {e.strerror or e}") from e
    try:  # a real write: os.access() is fooled by read-only mounts and by root
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise DataDirError(f"data directory {path} is not writable ({e.strerror or e})") from e


@dataclass(slots=True)
class AppConfig:
    """Application settings. Mutate, then ``save()``."""

    path: Path
    version: int = CONFIG_VERSION
    log_level: str = "info"
    #: UUID (str) of the library the CLI and GUI act on, if any.
    current_library_id: str | None = None
    #: Library folders opened from outside ``<data dir>/libraries``.
    external_libraries: list[str] = field(default_factory=list)
    #: Libraries the user closed: listed, but not opened when the core starts.
    closed_libraries: list[str] = field(default_factory=list)
    #: Networking (pairing, Spacedrop) starts with the daemon and the GUI.
    networking_enabled: bool = False
    #: The UDP (QUIC) and TCP (data) port; None means the default, 7373 (another if that one is taken).
    network_port: int | None = None

    @classmethod
    def load(cls, data_dir: Path) -> AppConfig:
        path = data_dir / CONFIG_FILE
        if not path.exists():
            config = cls(path=path)
            config.save()
            return config
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as e:
            raise ConfigError(f"{path} is unreadable ({e}); fix or remove it (nothing was changed)") from e
        version = raw.get("version", 1)
        if not isinstance(version, int) or version > CONFIG_VERSION:
            raise ConfigError(
                f"{path} is version {version}, newer than this Spacedrive understands ({CONFIG_VERSION}); "
                "it was left untouched"
            )
        migrated = version < CONFIG_VERSION
        while version < CONFIG_VERSION:
            raw = _MIGRATIONS[version](raw)
            version = raw["version"]
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw and k != "path"}
        config = cls(path=path, **known)
        if migrated:
            config.save()
        return config

    def save(self) -> None:
        data = asdict(self)
        del data["path"]
        try:
            write_json_atomic(self.path, data)
        except OSError as e:
            raise DataDirError(f"cannot write {self.path}: {e.strerror or e}") from e


def _v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
    """v1 (the Spacedrive V2 layout: data_dir, log_level, telemetry) gains the library bookkeeping."""
    return {
        "version": 2,
        "log_level": raw.get("log_level", "info"),
        "current_library_id": raw.get("current_library"),
        "external_libraries": [],
        "closed_libraries": [],
    }


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}
