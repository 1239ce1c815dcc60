from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from spacedrive.config import CONFIG_VERSION, AppConfig, ensure_data_dir, resolve_data_dir
from spacedrive.errors import ConfigError, DataDirError, InvalidArgument
from spacedrive.infrastructure.device import load_or_create_device


def test_data_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPACEDRIVE_DATA_DIR", raising=False)
    assert "spacedrive" in str(resolve_data_dir()).lower()
    monkeypatch.setenv("SPACEDRIVE_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert resolve_data_dir(tmp_path / "flag", "alice") == tmp_path / "flag" / "instance-alice"


@pytest.mark.parametrize("name", ["../evil", "a/b", "", " space", "x" * 65])
def test_bad_instance_names_are_refused(tmp_path: Path, name: str) -> None:
    if not name:
        assert resolve_data_dir(tmp_path, name) == tmp_path  # empty means "no instance"
        return
    with pytest.raises(InvalidArgument):
        resolve_data_dir(tmp_path, name)


def test_config_is_created_and_persisted(tmp_path: Path) -> None:
    config = AppConfig.load(tmp_path)
    assert json.loads((tmp_path / "spacedrive.json").read_text())["version"] == CONFIG_VERSION
    config.current_library_id = "abc"
    config.save()
    assert AppConfig.load(tmp_path).current_library_id == "abc"


def test_v1_config_is_migrated(tmp_path: Path) -> None:
    (tmp_path / "spacedrive.json").write_text(
        json.dumps({"version": 1, "data_dir": "/x", "log_level": "debug", "telemetry_enabled": False})
    )
    config = AppConfig.load(tmp_path)
    assert config.version == CONFIG_VERSION and config.log_level == "debug"
    assert json.loads((tmp_path / "spacedrive.json").read_text())["version"] == CONFIG_VERSION


@pytest.mark.parametrize("content", ['{"version": 99}', "{not json", "[1, 2]"])
def test_newer_or_corrupt_config_is_refused_untouched(tmp_path: Path, content: str) -> None:
    path = tmp_path / "spacedrive.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match="spacedrive.json"):
        AppConfig.load(tmp_path)
    assert path.read_text() == content


def test_device_identity_is_stable(tmp_path: Path) -> None:
    first = load_or_create_device(tmp_path)
    assert load_or_create_device(tmp_path) == first


def test_corrupt_device_file_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "device.json").write_text("garbage")
    with pytest.raises(ConfigError, match="device.json"):
        load_or_create_device(tmp_path)
    assert (tmp_path / "device.json").read_text() == "garbage"


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can write: a read-only tmpfs as root (root ignores modes), mode 0500 otherwise."""
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "none", str(ro)], check=True)
        yield ro
        subprocess.run(["umount", str(ro)], check=True)
    else:
        ro.chmod(0o500)
        yield ro
        ro.chmod(0o700)


def test_read_only_data_dir_is_reported(read_only_dir: Path) -> None:
    with pytest.raises(DataDirError, match="not writable"):
        ensure_data_dir(read_only_dir)


def test_data_dir_that_is_a_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataDirError):
        ensure_data_dir(tmp_path / "file" / "sub")
