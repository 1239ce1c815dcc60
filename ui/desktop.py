"""The desktop around the app: which applications open a MIME type (freedesktop .desktop files), the
command line that opens files with one, and the terminal to start in a folder.

Everything here but ``start_detached`` only reads files and builds commands, so tests can check the
commands without launching anything. Reading the application folders blocks: run it in an executor.
"""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QByteArray, QMimeDatabase, QProcess

#: Finds a program (its name, then the PATH to search) and returns its path or None; tests pass a fake.
Which = Callable[[str, str | None], str | None]
#: Terminals tried in order on Linux and other Unix desktops, after ``$TERMINAL``.
UNIX_TERMINALS = (
    "x-terminal-emulator",
    "gnome-terminal",
    "konsole",
    "xfce4-terminal",
    "kgx",
    "mate-terminal",
    "lxterminal",
    "tilix",
    "alacritty",
    "kitty",
    "foot",
    "xterm",
)


class NoTerminalFound(Exception):
    """No terminal emulator program was found."""


@dataclass(frozen=True, slots=True)
class DesktopApp:
    """An application as its .desktop file describes it."""

    #: The desktop file ID ("org.gnome.gedit.desktop"), unique across the application folders.
    id: str
    name: str
    exec: str
    icon: str = ""
    mime_types: tuple[str, ...] = ()
    terminal: bool = False
    path: str = ""
    #: Shown in menus of all applications (NoDisplay apps can still open files they declare).
    listed: bool = True
    comment: str = ""
    source: str = field(default="", compare=False)


def data_dirs(env: Mapping[str, str]) -> list[Path]:
    """``$XDG_DATA_HOME`` then ``$XDG_DATA_DIRS``, with the spec's defaults."""
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    first = Path(env.get("XDG_DATA_HOME") or home / ".local/share")
    rest = [Path(p) for p in (env.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":") if p]
    return [first, *rest]


def config_dirs(env: Mapping[str, str]) -> list[Path]:
    """``$XDG_CONFIG_HOME`` then ``$XDG_CONFIG_DIRS``, with the spec's defaults."""
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    first = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    rest = [Path(p) for p in (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if p]
    return [first, *rest]


def _read_ini(path: Path) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"), source=str(path))
    except (OSError, configparser.Error):
        return None
    return parser


def _unescape(value: str) -> str:
    """A .desktop string value: ``\\s``, ``\\n``, ``\\t``, ``\\r`` and ``\\\\`` escapes."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, "")
        out.append({"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(following, "\\" + following))
    return "".join(out)


def parse_desktop_file(path: Path, desktop_id: str) -> DesktopApp | None:
    """The application ``path`` describes; None for hidden entries, links, and unreadable files."""
    parser = _read_ini(path)
    if parser is None or not parser.has_section("Desktop Entry"):
        return None
    entry = parser["Desktop Entry"]
    if entry.get("Type", "Application") != "Application" or entry.get("Hidden", "false") == "true":
        return None
    exec_line = entry.get("Exec", "")
    if not exec_line or not entry.get("Name"):
        return None
    return DesktopApp(
        id=desktop_id,
        name=_unescape(entry["Name"]),
        exec=_unescape(exec_line),
        icon=entry.get("Icon", ""),
        mime_types=tuple(t for t in entry.get("MimeType", "").split(";") if t),
        terminal=entry.get("Terminal", "false") == "true",
        path=entry.get("Path", ""),
        listed=entry.get("NoDisplay", "false") != "true",
        comment=_unescape(entry.get("Comment", "")),
        source=str(path),
    )


def installed_apps(env: Mapping[str, str]) -> dict[str, DesktopApp]:
    """Every application of the application folders by desktop file ID; earlier folders win."""
    apps: dict[str, DesktopApp] = {}
    hidden: set[str] = set()
    for folder in (d / "applications" for d in data_dirs(env)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*.desktop")):
            desktop_id = str(path.relative_to(folder)).replace(os.sep, "-")
            if desktop_id in apps or desktop_id in hidden:
                continue
            app = parse_desktop_file(path, desktop_id)
            if app is None:
                hidden.add(desktop_id)  # a user's Hidden=true copy hides the system's
            else:
                apps[desktop_id] = app
    return apps


def _mimeapps_files(env: Mapping[str, str]) -> list[Path]:
    """mimeapps.list files, most important first (desktop-specific ones before the general ones)."""
    desktops = [d.lower() for d in env.get("XDG_CURRENT_DESKTOP", "").split(":") if d]
    folders = [*config_dirs(env), *(d / "applications" for d in data_dirs(env))]
    return [
        folder / name
        for folder in folders
        for name in [*(f"{d}-mimeapps.list" for d in desktops), "mimeapps.list"]
    ]


def _ids(value: str) -> list[str]:
    return [item for item in value.split(";") if item]


def apps_for_mime_types(mime_types: Iterable[str], env: Mapping[str, str]) -> list[DesktopApp]:
    """The applications for a file whose MIME type is the first of ``mime_types`` (its ancestors follow).

    For each type in turn: its default application, its added associations (mimeapps.list), then the
    applications mimeinfo.cache and the .desktop files list for it; its removed associations are left out.
    """
    installed = installed_apps(env)
    lists = [p for p in (_read_ini(f) for f in _mimeapps_files(env) if f.is_file()) if p is not None]
    cache_files = (d / "applications" / "mimeinfo.cache" for d in data_dirs(env))
    caches = [p for p in (_read_ini(f) for f in cache_files if f.is_file()) if p is not None]

    def listed(parsers: list[configparser.RawConfigParser], group: str, mime: str) -> list[str]:
        return [i for p in parsers if p.has_section(group) for i in _ids(p[group].get(mime, ""))]

    found: dict[str, DesktopApp] = {}
    for mime in mime_types:
        removed = set(listed(lists, "Removed Associations", mime))
        candidates = [
            *listed(lists, "Default Applications", mime),
            *listed(lists, "Added Associations", mime),
            *listed(caches, "MIME Cache", mime),
            *sorted(app.id for app in installed.values() if mime in app.mime_types),
        ]
        for desktop_id in candidates:
            if desktop_id in installed and desktop_id not in removed:
                found.setdefault(desktop_id, installed[desktop_id])
    return list(found.values())


def _split_exec(exec_line: str) -> list[str]:
    """The Exec line's arguments, with the spec's double-quote rules (shlex's POSIX mode is a superset)."""
    try:
        return shlex.split(exec_line, posix=True)
    except ValueError:
        return exec_line.split()


def exec_commands(app: DesktopApp, files: list[Path]) -> list[list[str]]:
    """The command lines that open ``files`` with ``app``: one for %F/%U, one per file for %f/%u.

    Field codes: %f a file, %F files, %u a URL, %U URLs, %i the icon, %c the name, %k the desktop file,
    %% a percent sign; deprecated ones are dropped. Without any file field code the file is appended, as
    GLib does.
    """
    args = _split_exec(app.exec)
    if not any(code in arg for arg in args for code in ("%f", "%F", "%u", "%U")):
        args.append("%f")
    per_file = any(code in arg for arg in args for code in ("%f", "%u"))
    groups = [[f] for f in files] if per_file and files else [files]
    return [_expand(app, args, group) for group in groups]


def _expand(app: DesktopApp, args: list[str], files: list[Path]) -> list[str]:
    paths = [os.fspath(f) for f in files]
    urls = [f.absolute().as_uri() for f in files]
    values = {
        "f": paths[0] if paths else "",
        "u": urls[0] if urls else "",
        "c": app.name,
        "k": app.source,
        "%": "%",
    }
    out: list[str] = []
    for arg in args:
        if arg == "%F":
            out += paths
        elif arg == "%U":
            out += urls
        elif arg == "%i":
            out += ["--icon", app.icon] if app.icon else []
        elif "%" not in arg:
            out.append(arg)
        else:
            expanded = _replace_codes(arg, values)
            if expanded:  # an argument that held only an empty code (%f without a file) is dropped
                out.append(expanded)
    return out


def _replace_codes(arg: str, values: Mapping[str, str]) -> str:
    out: list[str] = []
    chars = iter(arg)
    for char in chars:
        out.append(values.get(next(chars, ""), "") if char == "%" else char)
    return "".join(out)


def terminal_command(
    folder: Path,
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    which: Which | None = None,
) -> list[str]:
    """The command that starts the platform's terminal in ``folder`` (also pass ``folder`` as its working
    directory); ``$TERMINAL`` wins on Unix. Raises ``NoTerminalFound``."""
    env = os.environ if env is None else env
    which = which or _which
    search = env.get("PATH")
    where = os.fspath(folder)
    if platform == "darwin":
        return ["open", "-a", "Terminal", where]
    if platform == "win32":
        wt = which("wt", search)
        if wt:
            return [wt, "-d", where]
        return [which("cmd", search) or "cmd.exe", "/K", "cd", "/d", where]
    preferred = shlex.split(env.get("TERMINAL", ""))
    candidates = [preferred] if preferred else []
    candidates += [[name] for name in UNIX_TERMINALS]
    for argv in candidates:
        program = which(argv[0], search)
        if program is None:
            continue
        name = Path(argv[0]).name
        if name == "gnome-terminal":
            return [program, *argv[1:], f"--working-directory={where}"]
        if name == "konsole":
            return [program, *argv[1:], "--workdir", where]
        if name in ("xfce4-terminal", "mate-terminal"):
            return [program, *argv[1:], f"--working-directory={where}"]
        return [program, *argv[1:]]
    raise NoTerminalFound


def _which(name: str, search: str | None) -> str | None:
    return shutil.which(name, path=search)


def start_detached(argv: list[str], cwd: str | None = None) -> bool:
    """Start ``argv`` on its own, outliving the app; whether it started.

    Arguments that are not valid UTF-8 (exact file names) cannot pass through Qt's strings, so those
    commands start through ``subprocess`` in a session of their own instead.
    """
    try:
        for text in (*argv, cwd or ""):
            text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            subprocess.Popen(
                argv,
                cwd=cwd,
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return False
        return True
    started, _pid = QProcess.startDetached(argv[0], argv[1:], cwd or "")
    return bool(started)


def mime_types_of(path: Path) -> list[str]:
    """The file's MIME type (by name and content) then the types it inherits from; blocks briefly."""
    database = QMimeDatabase()
    name = os.fspath(path)
    try:
        name.encode("utf-8")
        mime = database.mimeTypeForFile(name)
    except UnicodeEncodeError:  # Qt's strings cannot name it: judge by the shown name and the first bytes
        try:
            with open(path, "rb") as file:
                head = file.read(4096)
        except OSError:
            head = b""
        shown = path.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        mime = database.mimeTypeForFileNameAndData(shown, QByteArray(head))
    return [mime.name(), *mime.allAncestors()]


def mime_comment(mime_type: str) -> str:
    """The MIME type's description in the user's language ("PNG image")."""
    return QMimeDatabase().mimeTypeForName(mime_type).comment() or mime_type
