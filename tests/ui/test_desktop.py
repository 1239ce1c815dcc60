"""Opening files and terminals: the commands built from .desktop files and PATH, and the window's dialogs.

Nothing is launched: the tests read fake application folders and check the command lines.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from spacedrive.domain.entry import Entry
from ui import desktop
from ui.desktop import DesktopApp, NoTerminalFound, apps_for_mime_types, exec_commands, terminal_command
from ui.dialogs.open_with import OpenWithDialog
from ui.session import GuiSession
from ui.views.launcher import file_url


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def app_file(name: str, exec_line: str, mime: str = "", extra: str = "") -> str:
    return f"[Desktop Entry]\nType=Application\nName={name}\nExec={exec_line}\nMimeType={mime}\n{extra}"


@pytest.fixture
def xdg(tmp_path: Path) -> dict[str, str]:
    """Fake XDG folders: a user's and a system's applications, mimeapps.list and mimeinfo.cache."""
    user = tmp_path / "home/.local/share/applications"
    system = tmp_path / "usr/share/applications"
    write(system / "viewer.desktop", app_file("Viewer", "viewer %U", "image/png;image/jpeg;"))
    write(system / "gimp.desktop", app_file("GIMP", "gimp-2.10 %U", "image/png;"))
    write(system / "kde4/paint.desktop", app_file("Paint", "paint %f", "image/png;"))
    write(system / "hidden-here.desktop", app_file("Old", "old %f", "image/png;"))
    write(user / "hidden-here.desktop", "[Desktop Entry]\nType=Application\nName=Old\nHidden=true\n")
    write(system / "bytes.desktop", app_file("Hex Editor", "hexed %f", "application/octet-stream;"))
    write(system / "cached.desktop", app_file("Cached", "cached %F", "", "NoDisplay=true\n"))
    write(system / "mimeinfo.cache", "[MIME Cache]\nimage/png=cached.desktop;\n")
    write(
        tmp_path / "home/.config/mimeapps.list",
        "[Default Applications]\nimage/png=gimp.desktop\n[Removed Associations]\nimage/png=viewer.desktop;\n",
    )
    return {
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_DIRS": str(tmp_path / "usr/share"),
        "XDG_CONFIG_DIRS": str(tmp_path / "etc/xdg"),
    }


def test_applications_for_a_type_default_first_removed_left_out(xdg: dict[str, str]) -> None:
    apps = apps_for_mime_types(["image/png", "application/octet-stream"], xdg)
    assert [app.id for app in apps] == [
        "gimp.desktop",
        "cached.desktop",
        "kde4-paint.desktop",
        "bytes.desktop",
    ]
    assert [app.id for app in apps_for_mime_types(["image/jpeg"], xdg)] == ["viewer.desktop"]
    assert apps_for_mime_types(["text/plain"], xdg) == []


def test_exec_field_codes(tmp_path: Path) -> None:
    a, b = tmp_path / "a b.png", tmp_path / os.fsdecode(b"caf\xe9.png")
    one = DesktopApp("one.desktop", "One", 'one --title "%c" %f', icon="one-icon")
    assert exec_commands(one, [a, b]) == [
        ["one", "--title", "One", str(a)],
        ["one", "--title", "One", os.fsdecode(os.fsencode(b))],
    ]
    many = DesktopApp("many.desktop", "Many", "many %i --files %F", icon="many-icon")
    assert exec_commands(many, [a, b]) == [["many", "--icon", "many-icon", "--files", str(a), str(b)]]
    urls = DesktopApp("urls.desktop", "Urls", "urls %U 100%%")
    assert exec_commands(urls, [b]) == [
        ["urls", (tmp_path / "caf%E9.png").as_uri().replace("%25", "%"), "100%"]
    ]
    assert exec_commands(urls, [b])[0][1].endswith("/caf%E9.png")
    plain = DesktopApp("plain.desktop", "Plain", "plain --new-window")
    assert exec_commands(plain, [a]) == [["plain", "--new-window", str(a)]]  # the file appended, as GLib does
    embedded = DesktopApp("e.desktop", "E", "e --file=%f %d")
    assert exec_commands(embedded, [a]) == [["e", f"--file={a}"]]


def fake_path(tmp_path: Path, *programs: str) -> str:
    folder = tmp_path / "bin"
    folder.mkdir(parents=True, exist_ok=True)
    for name in programs:
        program = folder / name
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    return str(folder)


def test_terminal_commands(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    bin_dir = fake_path(tmp_path, "konsole", "xterm", "my-term")
    linux = terminal_command(folder, "linux", {"PATH": bin_dir})
    assert linux == [f"{bin_dir}/konsole", "--workdir", str(folder)]
    assert terminal_command(folder, "linux", {"PATH": bin_dir, "TERMINAL": "my-term --hold"}) == [
        f"{bin_dir}/my-term",
        "--hold",
    ]
    only_xterm = fake_path(tmp_path / "x", "xterm")
    assert terminal_command(folder, "linux", {"PATH": only_xterm}) == [f"{only_xterm}/xterm"]
    with pytest.raises(NoTerminalFound):
        terminal_command(folder, "linux", {"PATH": str(tmp_path / "empty")})
    assert terminal_command(folder, "darwin", {}) == ["open", "-a", "Terminal", str(folder)]
    windows = terminal_command(folder, "win32", {"PATH": ""}, which=lambda name, path: None)
    assert windows == ["cmd.exe", "/K", "cd", "/d", str(folder)]
    with_wt = terminal_command(
        folder, "win32", {}, which=lambda name, path: "wt.exe" if name == "wt" else None
    )
    assert with_wt == ["wt.exe", "-d", str(folder)]


def file_entry(path: Path) -> Entry:
    raw = os.fsencode(path)
    parent, _, name = raw.rpartition(b"/")
    return Entry(name, parent, "file", 1, 0.0, 0.0, False, False)


def visible(kind: type) -> object | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()), None)


def test_opening_a_file_asks_the_desktop(
    session: GuiSession, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    odd = files / os.fsdecode(b"r\xe9sum\xe9.txt")
    odd.write_text("x")
    assert session.window is not None
    session.window.launcher.open_file(file_entry(odd))
    assert [url.toEncoded().data().decode() for url in opened] == [odd.as_uri()]
    assert file_url(odd).toEncoded().data().endswith(b"/r%E9sum%E9.txt")


def test_open_with_lists_the_types_applications_and_runs_the_chosen_one(
    session: GuiSession, wait, files: Path, xdg: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in xdg.items():
        monkeypatch.setenv(key, value)
    started: list[tuple[list[str], str | None]] = []
    monkeypatch.setattr(desktop, "start_detached", lambda argv, cwd=None: started.append((argv, cwd)) or True)
    picture = files / "photo 2.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert session.window is not None
    session.window.launcher.open_with(file_entry(picture))
    wait(lambda: visible(OpenWithDialog))
    dialog = visible(OpenWithDialog)
    assert isinstance(dialog, OpenWithDialog)
    names = [dialog.app_list.item(i).text() for i in range(dialog.app_list.count())]
    assert names[:3] == ["GIMP", "Cached", "Paint"]  # the default first
    dialog.app_list.setCurrentRow(2)
    dialog.accept()
    wait(lambda: started)
    assert started == [(["paint", str(picture)], str(files))]

    started.clear()
    session.window.launcher.open_with(file_entry(picture))
    wait(lambda: visible(OpenWithDialog))
    dialog = visible(OpenWithDialog)
    assert isinstance(dialog, OpenWithDialog)
    dialog.command_field.setText("my-viewer --fast")
    assert dialog.app_list.currentRow() == -1 and dialog.open_button.isEnabled()
    dialog.accept()
    wait(lambda: started)
    assert started == [(["my-viewer", "--fast", str(picture)], str(files))]


def test_no_terminal_is_explained(
    session: GuiSession, wait, files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.delenv("TERMINAL", raising=False)
    assert session.window is not None
    session.window.explorer_actions.open_terminal.trigger()
    wait(lambda: visible(QMessageBox))
    box = visible(QMessageBox)
    assert isinstance(box, QMessageBox)
    assert box.text() == "No terminal program was found"
    assert "TERMINAL" in box.informativeText()
    box.accept()


def test_open_terminal_here_starts_it_in_the_folder(
    session: GuiSession, files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", fake_path(tmp_path, "xterm"))
    monkeypatch.delenv("TERMINAL", raising=False)
    started: list[tuple[list[str], str | None]] = []
    monkeypatch.setattr(desktop, "start_detached", lambda argv, cwd=None: started.append((argv, cwd)) or True)
    assert session.window is not None
    session.window.explorer_actions.open_terminal.trigger()
    assert started == [([str(tmp_path / "bin/xterm")], str(files))]
