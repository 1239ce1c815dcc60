"""Tags through the real CLI (embedded core, a temp data dir): indexed and ephemeral files alike."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Cli


def by_name(entries: list[dict[str, Any]]) -> dict[bytes, dict[str, Any]]:
    return {
        base64.b64decode(e["name_base64"]) if "name_base64" in e else e["name"].encode(): e for e in entries
    }


def test_tags_from_the_command_line(cli: Cli, tmp_path: Path) -> None:
    tree, usb = tmp_path / "tree", tmp_path / "usb"
    (tree / "docs").mkdir(parents=True)
    (tree / "docs" / "a.txt").write_text("alpha")
    usb.mkdir()
    (usb / "photo.jpg").write_bytes(b"\xff\xd8\xff" + b"x" * 100)
    odd = os.fsencode(usb) + b"/caf\xe9 \xff.txt"  # not UTF-8
    Path(os.fsdecode(odd)).write_bytes(b"odd")
    cli.run("library", "create", "Main")
    cli.run("location", "add", str(tree))

    created = cli.json("tag", "create", "Work", "--color", "#0a0")
    assert created["name"] == "Work" and created["color"] == "#00aa00"
    assert "Created tag Later" in cli.run("tag", "create", "Later").stdout
    duplicate = cli.run("tag", "create", "work", check=False)
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    assert (
        json.loads(cli.run("--json", "tag", "create", "WORK", check=False).stdout)["error"]["code"]
        == "tag_exists"
    )

    added = cli.json(
        "tag", "add", str(tree / "docs" / "a.txt"), str(usb / "photo.jpg"), os.fsdecode(odd), "Work"
    )
    assert added["changed"] == 3
    indexed = by_name(cli.json("ls", str(tree / "docs")))
    assert indexed[b"a.txt"]["indexed"] and indexed[b"a.txt"]["tags"] == ["Work"]
    ephemeral = by_name(cli.json("ls", str(usb)))
    assert not ephemeral[b"photo.jpg"]["indexed"] and ephemeral[b"photo.jpg"]["tags"] == ["Work"]
    assert ephemeral[b"caf\xe9 \xff.txt"]["tags"] == ["Work"]
    assert {t["name"]: t["file_count"] for t in cli.json("tag", "list")} == {"Later": 0, "Work": 3}
    listed = cli.run("tag", "list").stdout
    assert "Work" in listed and "#00aa00" in listed

    files = cli.json("tag", "files", "work")
    assert sorted(os.fsencode(f["path"]) for f in files) == sorted(
        [os.fsencode(tree / "docs" / "a.txt"), os.fsencode(usb / "photo.jpg"), odd]
    )
    assert "photo.jpg" in cli.run("tag", "files", "Work").stdout

    assert cli.json("tag", "rename", "Work", "Job")["name"] == "Job"
    assert by_name(cli.json("ls", str(usb)))[b"photo.jpg"]["tags"] == ["Job"]
    removed = cli.json("tag", "remove", str(usb / "photo.jpg"), "Job")
    assert removed["changed"] == 1 and by_name(cli.json("ls", str(usb)))[b"photo.jpg"]["tags"] == []

    # Clear errors: unknown tag, missing path.
    unknown = cli.run("tag", "add", str(usb / "photo.jpg"), "Nope", check=False)
    assert unknown.returncode == 1 and "no tag named 'Nope'" in unknown.stderr
    missing = cli.run("--json", "tag", "add", str(usb / "gone.txt"), "Job", check=False)
    assert json.loads(missing.stdout)["error"]["code"] == "path_not_found"

    # Deleting a tag files carry asks first; without a terminal it refuses unless --yes.
    refused = cli.run("tag", "delete", "Job", check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert cli.json("tag", "delete", "Job", "--yes")["name"] == "Job"
    assert by_name(cli.json("ls", str(tree / "docs")))[b"a.txt"]["tags"] == []
    assert "Deleted tag Later" in cli.run("tag", "delete", "Later").stdout  # carried by nothing: no question
    assert cli.json("tag", "list") == []

    # The same through a running daemon: its watcher is live, and error codes cross the socket.
    cli.run("start")
    try:
        cli.run("tag", "create", "Daemon")
        cli.run("tag", "add", str(usb / "photo.jpg"), "Daemon")
        assert by_name(cli.json("ls", str(usb)))[b"photo.jpg"]["tags"] == ["Daemon"]
        wrong = cli.run("--json", "tag", "add", str(usb / "photo.jpg"), "Nope", check=False)
        assert json.loads(wrong.stdout)["error"]["code"] == "tag_not_found"
    finally:
        cli.run("stop")
